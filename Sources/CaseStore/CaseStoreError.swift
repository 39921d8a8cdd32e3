/// Failures a user can cause or meet; each description is one line naming the file or record and the reason.
public enum CaseStoreError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case locked(path: String)
    case readOnly(path: String)
    case diskFull(path: String)
    case notFound(String)
    case ambiguous(String)
    case invalid(String)
    case storage(path: String, reason: String)

    /// The reason without the path, for a place that already shows which record it is.
    public var reason: String {
        if case let .storage(_, reason) = self { return reason }
        return description
    }

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "\(path): cannot open the case database (\(reason))"
        case let .locked(path): return "\(path): the case database is locked by another program; try again when it finishes"
        case let .readOnly(path): return "\(path): the case database is read-only (opened for reading); nothing was changed"
        case let .diskFull(path): return "\(path): the disk is full"
        case let .notFound(what): return "\(what): not found"
        case let .ambiguous(what): return what
        case let .invalid(why): return why
        case let .storage(path, reason): return "\(path): \(reason)"
        }
    }
}
