/// steato's version: the release, and the exact build (`git describe`, written by the
/// SoftwareVersionPlugin at build time). Stored with every score, because a change in preprocessing
/// moves scores as much as a new model does.
public enum SoftwareVersion {
    public static let release = "0.12.0"
    /// e.g. "0.12.0 (aeb9cf8)", or "0.12.0 (aeb9cf8-dirty)" for a build with uncommitted changes.
    public static let current = "\(release) (\(gitDescription))"
}
