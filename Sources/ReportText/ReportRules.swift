/// The rules that read a steatosis grade out of report text, as data: each is a regular expression
/// (matched on lower-cased, normalised text, whole words) and what a match means. To teach the reader
/// a new phrasing, add a row; the engine (`ReportReader`) only combines what the rows say.
public struct ReportRule: Sendable {
    public enum Meaning: Sendable, Equatable {
        /// Spelling fixed before anything else is read (typos, abbreviations, numerals).
        case rewrite(String)
        /// Fat in the liver is talked about (diffuse steatosis or its sonographic signs).
        case finding
        /// A severity: the grade it names (0–3).
        case grade(Int)
        /// A sign that implies at least this grade when no severity word is given.
        case sign(Int)
        /// "A to B" between two severities: a range.
        case range
        /// Negates a finding that follows it in the clause, or (`after`) one before it.
        case negation
        case negationAfter
        /// The liver described as normal.
        case normal
        /// Only part of the liver: not diffuse steatosis (the words are removed before reading).
        case focal
        /// Doubt: the grade stands, marked hedged.
        case hedge
        /// Neither present nor absent: no grade.
        case indeterminate
        /// The liver could not be judged: no grade.
        case notAssessable
        /// The past (an earlier study): not the current state, unless a `current` marker follows.
        case history
        /// The present, after a history marker ("now", "to" in "from … to …").
        case current
        /// A heading for the conclusion; what follows it wins over the findings.
        case impression
        /// A clause boundary inside a sentence.
        case boundary
    }
    public var pattern: String
    public var meaning: Meaning

    init(_ pattern: String, _ meaning: Meaning) { self.pattern = pattern; self.meaning = meaning }
}

extension ReportRule {
    /// Applied in order to the lower-cased text before reading.
    public static let rewrites: [ReportRule] = [
        // Typos and variants of the key words.
        ReportRule(#"\bst[ea]{1,3}t+[aoi]*s+[ie]*s+\b"#, .rewrite("steatosis")),
        ReportRule(#"\bsteatotic\b"#, .rewrite("steatosis")),
        ReportRule(#"\bfat+y\b|\bfaty\b|\bfatt?ty\b"#, .rewrite("fatty")),
        ReportRule(#"\bmoderat\w*|\bmodrate\b|\bmod\b\.?"#, .rewrite("moderate")),
        ReportRule(#"\bsever\b|\bsevere?ly\b|\bsev\b\.?|\bsvere\b"#, .rewrite("severe")),
        ReportRule(#"\bmidl\b|\bmlid\b|\bmildy?\b|\bmildly\b"#, .rewrite("mild")),
        ReportRule(#"\bechogen[ie]?cit(y|ies)\b|\bechogenisity\b"#, .rewrite("echogenicity")),
        ReportRule(#"\bgr\b\.?|\bgrd\b\.?|\bgrade?\b"#, .rewrite("grade")),
        ReportRule(#"\bhepato[- ]?steatosis\b"#, .rewrite("steatosis")),
        ReportRule(#"\bn\.?a\.?f\.?l\.?d\b|\bmasld\b|\bmafld\b|\bnash\b"#, .rewrite("fatty liver")),
        // "Compared with the prior study" says where the comparison is, not a past state.
        ReportRule(#"\b(?:when )?compared (?:to|with) (?:the )?(?:prior|previous|earlier|last|old)(?: (?:study|exam\w*|scan|ultrasound|us|imaging))?(?: (?:of|from|dated) [\w/.-]+)?"#, .rewrite(" ")),
        // "From X to Y": X was, Y is.
        ReportRule(#"\bfrom ((?:grade )?\w+) (?:to|into) \b"#, .rewrite("previously $1 now ")),
        ReportRule(#"\bw/o\b"#, .rewrite("without")),
        ReportRule(#"\bw/\b"#, .rewrite("with")),
        ReportRule(#"\bnot?ed\b"#, .rewrite("noted")),
        // Grade ranges ("grade 1-2", "grade ii-iii"), each end a grade of its own.
        ReportRule(#"\b(grade|stage|s|g)\s*(iii|ii|i|[0-3])\s*(?:-|–|to)\s*(?:grade\s*|s|g)?(iii|ii|i|[0-3])\b"#, .rewrite("$1 $2 to grade $3")),
        // Grade numerals: roman, S0–S3, G0–G3, fractions ("2/3", "2 of 3", "2 out of 3").
        ReportRule(#"\b(?:grade|stage|s|g)\s*[-:]?\s*(?:iii|3)\b"#, .rewrite("grade 3")),
        ReportRule(#"\b(?:grade|stage|s|g)\s*[-:]?\s*(?:ii|2)\b"#, .rewrite("grade 2")),
        ReportRule(#"\b(?:grade|stage|s|g)\s*[-:]?\s*(?:i|1)\b"#, .rewrite("grade 1")),
        ReportRule(#"\b(?:grade|stage|s|g)\s*[-:]?\s*0\b"#, .rewrite("grade 0")),
        ReportRule(#"\bgrade ([0-3])\s*(?:/|of|out of)\s*(?:3|iii)\b"#, .rewrite("grade $1")),
    ]

    /// What words mean, matched on the rewritten text of one clause.
    public static let table: [ReportRule] = [
        // Fat in the liver, and its sonographic signs.
        ReportRule(#"\bsteatosis\b|\bfatty (?:liver|infiltration|change|changes|deposition|infiltrate|metamorphosis)\b|\bfatty\b"#, .finding),
        ReportRule(#"\b(?:hepatic|liver) fat\b|\bfat(?:ty)? in the liver\b"#, .finding),
        ReportRule(#"\b(?:increased|raised|elevated|diffusely increased|high|bright)\b[^.]{0,40}\bechogenicity\b"#, .finding),
        ReportRule(#"\b(?:echogenic|hyperechoic|hyperechogenic|bright) (?:liver|hepatic parenchyma|parenchyma|echotexture)\b"#, .finding),
        ReportRule(#"\b(?:liver|hepatic|parenchyma)\b[^.,]{0,40}\b(?:echogenic|hyperechoic|hyperechogenic|bright)\b"#, .finding),
        ReportRule(#"\bechogenicity\b[^.]{0,20}\b(?:increased|raised|elevated|high)\b"#, .finding),
        ReportRule(#"\b(?:increased|raised|elevated|high|abnormal) hepatorenal (?:echo ?)?(?:contrast|index|ratio|gradient)\b|\bhepatorenal (?:echo ?)?(?:contrast|index|ratio|gradient) (?:is )?(?:increased|raised|elevated|high)\b"#, .finding),
        // Severity.
        ReportRule(#"\bgrade 0\b"#, .grade(0)),
        ReportRule(#"\b(?:mild|minimal|slight|slightly|early|minor|grade 1|low[- ]grade)\b"#, .grade(1)),
        ReportRule(#"\b(?:moderate|moderately|grade 2|intermediate)\b"#, .grade(2)),
        ReportRule(#"\b(?:severe|marked|markedly|advanced|gross|extensive|pronounced|significant|grade 3|high[- ]grade|heavy)\b"#, .grade(3)),
        // The classic criteria: vessel walls blurred (moderate), the diaphragm or deep liver lost (severe).
        ReportRule(#"\b(?:obscur\w*|poor(?:ly)? visuali[sz]\w*|non-?visuali[sz]\w*|loss of definition|not (?:well )?seen)\b[^.]{0,40}\b(?:diaphragm|posterior (?:liver|segments)|deep (?:liver|parenchyma))\b"#, .sign(3)),
        ReportRule(#"\b(?:diaphragm|posterior segments?)\b[^.]{0,30}\b(?:obscured|not (?:well )?(?:seen|visuali[sz]ed))\b"#, .sign(3)),
        ReportRule(#"\b(?:blurr\w*|obscur\w*|impaired visuali[sz]\w*|loss of (?:definition|clarity)|poor(?:ly)? defined)\b[^.]{0,40}\b(?:portal|intrahepatic|hepatic) (?:vein|vessel|venous)\w*"#, .sign(2)),
        ReportRule(#"\b(?:posterior|deep) (?:acoustic )?attenuation\b|\bbeam attenuation\b"#, .sign(2)),
        ReportRule(#"\b(?:to|-|–|and)\b"#, .range),
        // Negation.
        ReportRule(#"\b(?:no|not|without|negative for|absence of|absent|free of|nor|rule[sd]? out|excluded|resolution of|resolved)\b"#, .negation),
        ReportRule(#"\b(?:is|are|was|were)? ?(?:not (?:seen|identified|present|demonstrated|evident|noted|appreciated)|absent|excluded|has resolved|resolved)\b"#, .negationAfter),
        ReportRule(#"\b(?:normal|unremarkable)\b[^.]{0,30}\b(?:liver|echogenicity|echotexture|hepatic parenchyma|parenchyma)\b|\bliver\b[^.]{0,40}\b(?:normal|unremarkable|homogeneous|within normal limits)\b"#, .normal),
        // Not diffuse: removed from the clause before the rest is read.
        ReportRule(#"\bfocal (?:fatty |fat )?(?:infiltration|deposition|sparing|fat|steatosis|area)\w*\b|\b(?:area|region|zone)s? of (?:focal )?(?:fatty )?(?:sparing|infiltration)\b|\bgeographic fatty\b|\bfatty sparing\b|\bsparing\b"#, .focal),
        // Doubt, and no decision.
        ReportRule(#"\b(?:possible|possibly|probable|probably|likely|suggest\w*|suspicious|suspected|suspect|may|might|could|questionable|equivocal|borderline|presumed|presumably|query|perhaps)\b|\?"#, .hedge),
        ReportRule(#"\b(?:cannot|can not|can't|could not) (?:be )?(?:exclude|excluded|rule out|ruled out)\b|\bnot excluded\b|\bindeterminate\b|\bundetermined\b|\bevaluation for steatosis (?:is )?inconclusive\b"#, .indeterminate),
        ReportRule(#"\b(?:limited|suboptimal|technically difficult|non-?diagnostic|incomplete|inadequate)\b[^.]{0,40}\b(?:study|exam\w*|evaluation|visuali[sz]ation|assessment|views?)\b|\b(?:liver|parenchyma)\b[^.]{0,30}\bnot (?:well |adequately )?(?:visuali[sz]ed|seen|assessed|evaluated)\b|\b(?:could|can)(?:not| not) be (?:assessed|evaluated|graded)\b|\bobscured by (?:bowel )?gas\b|\bpoor acoustic window\b"#, .notAssessable),
        // Time.
        ReportRule(#"^\s*(?:indications?|clinical (?:history|information|details|indication|question)|history|reason for (?:exam\w*|study|referral)|referral)\s*:"#, .history),
        ReportRule(#"\b(?:previous\w*|prior|earlier|before|formerly|last (?:exam\w*|study|scan|year)|in (?:19|20)\d\d|on (?:the )?(?:prior|previous)|history of|known)\b"#, .history),
        ReportRule(#"\b(?:now|currently|today|at present|presently|on this (?:exam\w*|study|scan)|this (?:exam\w*|study|scan)|(?:improved|progressed|decreased|increased|regressed|worsened|changed) to|unchanged|stable|again|persistent|persists|persisting|remains?|still|redemonstrat\w*|similar|no (?:significant )?(?:interval )?change|there (?:is|are)|shows|demonstrates|is (?:seen|noted|present|identified))\b"#, .current),
        ReportRule(#"\b(?:impression|conclusion|summary|opinion|diagnosis|assessment)s?\s*:"#, .impression),
        ReportRule(#"\b(?:but|however|although|whereas|while|with interval)\b"#, .boundary),
    ]
}
