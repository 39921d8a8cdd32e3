import Foundation

/// What a report says about steatosis: the grade (0–3, or nil when it says nothing usable), the words
/// it relied on, whether those words were hedged, and why there is no grade when there is none.
public struct ReportReading: Equatable, Sendable, Codable {
    public var grade: Int?
    public var phrase: String?
    public var hedged: Bool
    /// When `grade` is nil: "no mention", "indeterminate" or "not assessable".
    public var why: String?

    public init(grade: Int?, phrase: String?, hedged: Bool, why: String? = nil) {
        self.grade = grade; self.phrase = phrase; self.hedged = hedged; self.why = why
    }
}

/// Reads the steatosis grade from free report text with the rules of `ReportRule` (data), in four
/// steps: rewrite spellings; cut the text into sentences and clauses; read each clause (a finding,
/// its severity or signs, negation, focal words removed, doubt, the past); then choose: the
/// impression over the findings, a stated grade over "normal", any statement over "cannot say".
public enum ReportReader {
    struct Compiled: @unchecked Sendable {
        let rewrites: [(NSRegularExpression, String)]
        let table: [(NSRegularExpression, ReportRule.Meaning)]
    }
    static let compiled: Compiled = {
        func regex(_ p: String) -> NSRegularExpression { try! NSRegularExpression(pattern: p, options: [.caseInsensitive, .anchorsMatchLines]) }
        return Compiled(
            rewrites: ReportRule.rewrites.map { rule in
                guard case .rewrite(let to) = rule.meaning else { fatalError("rewrites hold rewrites") }
                return (regex(rule.pattern), to)
            },
            table: ReportRule.table.map { (regex($0.pattern), $0.meaning) })
    }()

    /// One statement read from a sentence.
    struct Statement {
        enum Kind { case graded, normal, indeterminate, notAssessable }
        var kind: Kind
        var grade: Int?
        var hedged: Bool
        var phrase: String
        var inImpression: Bool
    }

    public static func read(_ report: String) -> ReportReading {
        var statements: [Statement] = []
        var inImpression = false
        var previousWasFinding = false
        for sentence in sentences(of: report) {
            let text = normalise(sentence)
            if matches(text, .impression) { inImpression = true }
            let found = readSentence(text, original: sentence, previousWasFinding: previousWasFinding)
            previousWasFinding = found.contains { $0.kind == .graded && ($0.grade ?? 0) > 0 }
            statements += found.map { var s = $0; s.inImpression = inImpression; return s }
        }
        // The conclusion speaks for the report when it says anything about the liver's fat.
        let pool = statements.contains { $0.inImpression } ? statements.filter { $0.inImpression } : statements
        let positive = pool.filter { $0.kind == .graded && ($0.grade ?? 0) > 0 }
        if let best = positive.max(by: { ($0.grade ?? 0) < ($1.grade ?? 0) }) {
            return ReportReading(grade: best.grade, phrase: best.phrase, hedged: best.hedged)
        }
        if let zero = pool.first(where: { $0.kind == .normal || ($0.kind == .graded && $0.grade == 0) }) {
            return ReportReading(grade: 0, phrase: zero.phrase, hedged: zero.hedged)
        }
        if let unsure = statements.first(where: { $0.kind == .indeterminate }) {
            return ReportReading(grade: nil, phrase: unsure.phrase, hedged: true, why: "indeterminate")
        }
        if let blind = statements.first(where: { $0.kind == .notAssessable }) {
            return ReportReading(grade: nil, phrase: blind.phrase, hedged: false, why: "not assessable")
        }
        return ReportReading(grade: nil, phrase: nil, hedged: false, why: "no mention")
    }

    /// Abbreviations whose dot does not end a sentence.
    static let abbreviations: Set<String> = ["gr", "grd", "mod", "sev", "approx", "vs", "e.g", "i.e", "dr", "seg", "segs", "fig", "ca", "pt", "hx", "cf"]

    /// Sentences: at full stops (not decimals or abbreviations), semicolons, line breaks and bullets.
    static func sentences(of report: String) -> [String] {
        var out: [String] = [], current = ""
        let characters = Array(report)
        for (i, c) in characters.enumerated() {
            let next = i + 1 < characters.count ? characters[i + 1] : " "
            let previous = i > 0 ? characters[i - 1] : " "
            let ends = c == ";" || c == "\n" || c == "•" ||
                (c == "." && !(previous.isNumber && next.isNumber)
                 && (next == " " || next == "\n" || i + 1 == characters.count) && !endsWithAbbreviation(current))
            if ends {
                if !current.trimmingCharacters(in: .whitespaces).isEmpty { out.append(current.trimmingCharacters(in: .whitespaces)) }
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { out.append(current.trimmingCharacters(in: .whitespaces)) }
        return out
    }

    /// Whether `text` ends with an abbreviation. Looks back no further than the longest one, so a
    /// long run of letters and dots costs no more than a short one.
    static func endsWithAbbreviation(_ text: String) -> Bool {
        var word: [Character] = []
        for c in text.reversed() {
            guard c.isLetter || c == "." else { break }
            guard word.count < longestAbbreviation else { return false }
            word.append(c)
        }
        return abbreviations.contains(String(word.reversed()).lowercased())
    }

    static let longestAbbreviation = abbreviations.map(\.count).max() ?? 0

    static func normalise(_ text: String) -> String {
        var t = " " + text.lowercased() + " "
        for (regex, replacement) in compiled.rewrites {
            t = regex.stringByReplacingMatches(in: t, range: NSRange(t.startIndex..., in: t), withTemplate: replacement)
        }
        return t
    }

    static func ranges(_ text: String, _ meaning: ReportRule.Meaning) -> [NSRange] {
        compiled.table.filter { $0.1 == meaning }.flatMap { regex, _ in
            regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map(\.range)
        }
    }

    static func matches(_ text: String, _ meaning: ReportRule.Meaning) -> Bool { !ranges(text, meaning).isEmpty }

    /// Severity mentions with where they are: words (`grade`) and signs (`sign`).
    static func severities(_ text: String) -> [(location: Int, grade: Int, sign: Bool)] {
        compiled.table.flatMap { regex, meaning -> [(Int, Int, Bool)] in
            let found: (Int, Bool)
            switch meaning {
            case .grade(let g): found = (g, false)
            case .sign(let g): found = (g, true)
            default: return []
            }
            return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { ($0.range.location, found.0, found.1) }
        }
    }

    static func readSentence(_ raw: String, original: String, previousWasFinding: Bool) -> [Statement] {
        var text = raw
        // Focal fat or focal sparing is not diffuse steatosis: blank it out (keeping positions).
        for range in ranges(text, .focal).sorted(by: { $0.location > $1.location }) {
            if let r = Range(range, in: text) { text.replaceSubrange(r, with: String(repeating: " ", count: text[r].count)) }
        }
        let hedged = matches(text, .hedge)
        let phrase = original.trimmingCharacters(in: .whitespaces)
        func statement(_ kind: Statement.Kind, _ grade: Int?, hedged: Bool = hedged) -> [Statement] {
            [Statement(kind: kind, grade: grade, hedged: hedged, phrase: phrase, inImpression: false)]
        }
        // The past: words after a history marker and before any later current marker belong to an
        // earlier study.
        let history = ranges(text, .history).map(\.location), current = ranges(text, .current).map(\.location)
        func isPast(_ location: Int) -> Bool {
            let lastHistory = history.filter { $0 < location }.max() ?? -1
            let lastCurrent = current.filter { $0 < location }.max() ?? -1
            return lastHistory > lastCurrent
        }
        // Comma-delimited parts: the scope of a negation or of "cannot be excluded".
        let nsText = text as NSString
        func part(_ location: Int) -> NSRange {
            var start = location, end = location
            let comma: unichar = 44, colon: unichar = 58   // UTF-16 units: text may hold surrogate pairs
            while start > 0 && nsText.character(at: start - 1) != comma && nsText.character(at: start - 1) != colon { start -= 1 }
            while end < nsText.length && nsText.character(at: end) != comma { end += 1 }
            return NSRange(location: start, length: end - start)
        }
        let findings = ranges(text, .finding)
        let allSeverities = severities(text)
        let words = allSeverities.filter { !$0.sign && !isPast($0.location) }
        let signs = allSeverities.filter { $0.sign && !isPast($0.location) }
        // "Cannot be excluded" about the fat itself (not about another finding in the sentence).
        let unsure = ranges(text, .indeterminate)
        if unsure.contains(where: { u in findings.contains { part($0.location) == part(u.location) } }) ||
            (!unsure.isEmpty && findings.isEmpty && text.range(of: #"\b(?:liver|hepatic|echogenicity|echotexture)\b"#, options: .regularExpression) != nil) {
            return statement(.indeterminate, nil, hedged: true)
        }
        // Negation: a current cue before the finding in the same part, or one after it.
        let negations = ranges(text, .negation), afterNegations = ranges(text, .negationAfter)
        var present = false, negated = false
        for finding in findings {
            let scope = part(finding.location)
            let before = negations.contains { $0.location >= scope.location && $0.location < finding.location && !isPast($0.location) }
            let after = afterNegations.contains { $0.location > finding.location && $0.location < NSMaxRange(scope) }
            if before || after { negated = true }
            // A past finding still speaks for now when the sentence gives its current severity
            // ("previously moderate, now mild").
            else if !isPast(finding.location) || !words.isEmpty { present = true }
        }
        if present || (!signs.isEmpty && !negated) {
            // Severity: the highest current word (a range "mild to moderate" gives its upper end),
            // else the strongest sign, else unstated (mild).
            return statement(.graded, words.map(\.grade).max() ?? signs.map(\.grade).max() ?? 1)
        }
        if negated { return statement(.graded, 0) }
        if ranges(text, .normal).contains(where: { !isPast($0.location) }) { return statement(.normal, 0) }
        if matches(text, .notAssessable) { return statement(.notAssessable, nil, hedged: false) }
        // "Grade: moderate." after a sentence that named the finding.
        if findings.isEmpty, previousWasFinding, let g = words.map(\.grade).max() { return statement(.graded, g) }
        return []
    }
}
