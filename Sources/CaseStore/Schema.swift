import GRDB
import Foundation

/// The case database schema as named, append-only migrations. Never edit a shipped step: add one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-cases", migrate: createCases)
        migrator.registerMigration("v1-scores-reviews-audit", migrate: createScoresReviewsAudit)
        migrator.registerMigration("v2-scanner-adaptation") { db in
            // Per scanner and model: normalisation statistics re-estimated from that scanner's own images.
            try db.create(table: "adaptation") { t in
                t.column("scanner", .text).notNull()
                t.column("modelSha256", .text).notNull()
                t.column("tensors", .blob).notNull()   // safetensors bytes of the running statistics
                t.column("images", .integer).notNull()
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["scanner", "modelSha256"])
            }
        }
        migrator.registerMigration("v3-dicom") { db in
            // DICOM identity: a SOP instance already present is a duplicate, whatever its bytes.
            try db.alter(table: "image") { t in
                t.add(column: "sopInstanceUID", .text)
                t.add(column: "seriesInstanceUID", .text)
            }
            try db.create(index: "image_sop", on: "image", columns: ["sopInstanceUID", "frameNumber"])
        }
        migrator.registerMigration("v4-score-software") { db in
            // The steato build that scored: preprocessing changes move scores as much as the model does.
            try db.alter(table: "studyScore") { t in t.add(column: "software", .text) }
        }
        migrator.registerMigration("v5-refusal-and-uncertainty", migrate: allowRefusals)
        migrator.registerMigration("v6-scanner-calibration") { db in
            // Per scanner and model: a monotone map of the score fitted on that scanner's labelled studies.
            try db.create(table: "calibration") { t in
                t.column("scanner", .text).notNull()
                t.column("modelSha256", .text).notNull()
                t.column("json", .text).notNull()
                t.column("studies", .integer).notNull()
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["scanner", "modelSha256"])
            }
        }
        migrator.registerMigration("v7-reports") { db in
            // Report texts imported with a study (DICOM SR, text files), for `steato labels --from-db`.
            try db.create(table: "report") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("study", onDelete: .cascade).notNull()
                t.column("source", .text).notNull()        // dicom-sr | text
                t.column("fileName", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("text", .text).notNull()
                t.column("importedAt", .datetime).notNull()
                t.uniqueKey(["studyId", "sha256"])
            }
        }
        migrator.registerMigration("v8-pseudonym-key") { db in
            // A secret of this database's own: anonymised export derives replacement UIDs with it, so
            // nobody holding an original file can compute its pseudonym and link the two.
            try db.create(table: "pseudonymKey") { t in t.column("key", .blob).notNull() }
            var generator = SystemRandomNumberGenerator()
            let key = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
            try db.execute(sql: "INSERT INTO pseudonymKey (key) VALUES (?)", arguments: [key])
        }
        migrator.registerMigration("v9-audit-system-user") { db in
            // `who` is the name a reader gives (STEATO_USER); this is the account the process ran as,
            // which a reader cannot choose. Entries written before this step have none.
            try db.alter(table: "audit") { t in t.add(column: "systemUser", .text) }
        }
        return migrator
    }

    private static func createCases(_ db: Database) throws {
        try db.create(table: "patient") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("patientKey", .text).notNull().unique()
            t.column("name", .text)
            t.column("birthDate", .text)
            t.column("sex", .text)
            t.column("createdAt", .datetime).notNull()
        }
        try db.create(index: "patient_name", on: "patient", columns: ["name"])

        try db.create(table: "study") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("patient", onDelete: .cascade).notNull()
            t.column("studyKey", .text).notNull()
            t.column("studyDate", .text)
            t.column("scanner", .text)
            t.column("description", .text)
            t.column("accession", .text)
            t.column("studyInstanceUID", .text)
            // Cached from the images, scores and reviews so the worklist sorts 100k studies on an index.
            t.column("imageCount", .integer).notNull().defaults(to: 0)
            t.column("status", .text).notNull().defaults(to: "new")
                .check(sql: "status IN ('new', 'scored', 'reviewed')")
            t.column("score", .double)
            t.column("grade", .integer).check(sql: "grade BETWEEN 0 AND 3")
            t.column("importedAt", .datetime).notNull()
            t.uniqueKey(["patientId", "studyKey"])
        }
        try db.create(index: "study_date", on: "study", columns: ["studyDate"])
        try db.create(index: "study_scanner", on: "study", columns: ["scanner"])
        try db.create(index: "study_status_grade", on: "study", columns: ["status", "grade", "score"])
        try db.create(index: "study_grade_score", on: "study", columns: ["grade", "score"])
        try db.create(index: "study_score", on: "study", columns: ["score"])
        // The triage order (unreviewed first, most severe first) read straight off an index.
        try db.execute(sql: "CREATE INDEX study_triage ON study((status = 'reviewed'), grade DESC, score DESC, id)")
        try db.create(index: "study_status_id", on: "study", columns: ["status", "id"])
        try db.create(index: "study_imageCount", on: "study", columns: ["imageCount"])
        try db.create(index: "study_importedAt", on: "study", columns: ["importedAt"])
        try db.create(index: "study_uid", on: "study", columns: ["studyInstanceUID"])

        try db.create(table: "image") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("study", onDelete: .cascade).notNull()
            t.column("sha256", .text).notNull()
            t.column("frameNumber", .integer).notNull().defaults(to: 0)
            t.column("frameCount", .integer).notNull().defaults(to: 1)
            t.column("originalName", .text).notNull()
            t.column("format", .text).notNull()
            t.column("width", .integer).notNull()
            t.column("height", .integer).notNull()
            t.column("channels", .integer).notNull()
            t.column("scanner", .text)
            t.column("acquisition", .text)  // JSON object of acquisition metadata
            t.column("importedAt", .datetime).notNull()
            t.column("view", .text).check(sql: "view IN ('right-intercostal', 'subcostal', 'left-lobe', 'other')")
            t.column("viewTaggedBy", .text)
            t.column("viewTaggedAt", .datetime)
            t.uniqueKey(["sha256", "frameNumber"])
        }
        try db.create(index: "image_study_view", on: "image", columns: ["studyId", "view"])

        try db.create(table: "reference") { t in
            t.primaryKey("studyId", .integer).references("study", onDelete: .cascade)
            t.column("histologyFatPct", .double).check(sql: "histologyFatPct BETWEEN 0 AND 100")
            t.column("reportGrade", .integer).check(sql: "reportGrade BETWEEN 0 AND 3")
            t.column("capDbm", .double)
            t.column("mriPdffPct", .double).check(sql: "mriPdffPct BETWEEN 0 AND 100")
        }

        try db.create(table: "roi") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("image", onDelete: .cascade).notNull()
            t.column("kind", .text).notNull().check(sql: "kind IN ('liver', 'kidney')")
            t.column("x", .integer).notNull()
            t.column("y", .integer).notNull()
            t.column("width", .integer).notNull().check(sql: "width > 0")
            t.column("height", .integer).notNull().check(sql: "height > 0")
            t.column("createdBy", .text).notNull()
            t.column("createdAt", .datetime).notNull()
            t.uniqueKey(["imageId", "kind"])
        }
    }

    private static func createScoresReviewsAudit(_ db: Database) throws {
        try db.create(table: "imageScore") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("image", onDelete: .cascade).notNull()
            t.column("modelName", .text).notNull()
            t.column("modelSha256", .text).notNull()
            t.column("score", .double).notNull()
            t.column("grade", .integer).notNull().check(sql: "grade BETWEEN 0 AND 3")
            t.column("probs", .text).notNull()  // JSON array of the four grade probabilities
            t.column("quality", .double)
            t.column("viewSuggested", .text)
            t.column("scoredAt", .datetime).notNull()
        }
        try db.create(index: "imageScore_image", on: "imageScore", columns: ["imageId", "scoredAt"])

        try db.create(table: "viewScore") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("study", onDelete: .cascade).notNull()
            t.column("view", .text).notNull()
            t.column("modelName", .text).notNull()
            t.column("modelSha256", .text).notNull()
            t.column("score", .double).notNull()
            t.column("sd", .double)
            t.column("imageCount", .integer).notNull()
            t.column("grade", .integer).notNull().check(sql: "grade BETWEEN 0 AND 3")
            t.column("scoredAt", .datetime).notNull()
        }
        try db.create(index: "viewScore_study", on: "viewScore", columns: ["studyId", "scoredAt"])

        try db.create(table: "studyScore") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("study", onDelete: .cascade).notNull()
            t.column("modelName", .text).notNull()
            t.column("modelSha256", .text).notNull()
            t.column("score", .double).notNull()
            t.column("grade", .integer).notNull().check(sql: "grade BETWEEN 0 AND 3")
            t.column("fatPct", .double)
            t.column("flags", .text)  // JSON array of strings
            t.column("scoredAt", .datetime).notNull()
        }
        try db.create(index: "studyScore_study", on: "studyScore", columns: ["studyId", "scoredAt"])

        try db.create(table: "review") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("study", onDelete: .cascade).notNull()
            t.column("reader", .text).notNull()
            t.column("decision", .text).notNull().check(sql: "decision IN ('confirmed', 'overridden')")
            t.column("grade", .integer).notNull().check(sql: "grade BETWEEN 0 AND 3")
            t.column("reason", .text)
            t.column("reviewedAt", .datetime).notNull()
        }
        try db.create(index: "review_study", on: "review", columns: ["studyId", "reviewedAt"])

        try db.create(table: "audit") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("at", .datetime).notNull()
            t.column("who", .text).notNull()
            t.column("action", .text).notNull()
            t.column("entity", .text).notNull()
            t.column("entityId", .integer)
            t.column("oldValue", .text)
            t.column("newValue", .text)
        }
        try db.create(index: "audit_entity", on: "audit", columns: ["entity", "entityId"])
        // The audit log is append-only: the database itself refuses edits and deletions.
        try db.execute(sql: """
            CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            """)
    }

    /// Images the model refuses have no score, and a study with nothing scorable has no score or
    /// grade (never 0, "healthy"); the study score gains its uncertainty. SQLite cannot relax NOT
    /// NULL in place, so both tables are rebuilt with their rows.
    private static func allowRefusals(_ db: Database) throws {
        try db.create(table: "imageScoreNew") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("image", onDelete: .cascade).notNull()
            t.column("modelName", .text).notNull()
            t.column("modelSha256", .text).notNull()
            t.column("score", .double)
            t.column("grade", .integer).check(sql: "grade BETWEEN 0 AND 3")
            t.column("probs", .text).notNull()  // JSON array of the four grade probabilities
            t.column("quality", .double)
            t.column("viewSuggested", .text)
            t.column("scoredAt", .datetime).notNull()
            t.column("refused", .text).check(sql: "refused IN ('not-liver', 'poor-quality')")
        }
        try db.execute(sql: """
            INSERT INTO imageScoreNew (id, imageId, modelName, modelSha256, score, grade, probs, quality, viewSuggested, scoredAt)
            SELECT id, imageId, modelName, modelSha256, score, grade, probs, quality, viewSuggested, scoredAt FROM imageScore
            """)
        try db.drop(table: "imageScore")
        try db.rename(table: "imageScoreNew", to: "imageScore")
        try db.create(index: "imageScore_image", on: "imageScore", columns: ["imageId", "scoredAt"])

        try db.create(table: "studyScoreNew") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("study", onDelete: .cascade).notNull()
            t.column("modelName", .text).notNull()
            t.column("modelSha256", .text).notNull()
            t.column("score", .double)
            t.column("grade", .integer).check(sql: "grade BETWEEN 0 AND 3")
            t.column("fatPct", .double)
            t.column("flags", .text)  // JSON array of strings
            t.column("scoredAt", .datetime).notNull()
            t.column("software", .text)
            t.column("scoreSd", .double)
        }
        try db.execute(sql: """
            INSERT INTO studyScoreNew (id, studyId, modelName, modelSha256, score, grade, fatPct, flags, scoredAt, software)
            SELECT id, studyId, modelName, modelSha256, score, grade, fatPct, flags, scoredAt, software FROM studyScore
            """)
        try db.drop(table: "studyScore")
        try db.rename(table: "studyScoreNew", to: "studyScore")
        try db.create(index: "studyScore_study", on: "studyScore", columns: ["studyId", "scoredAt"])

        // The physical size of a pixel, from a manifest's pixel_spacing_mm (DICOM files declare theirs).
        try db.alter(table: "image") { t in t.add(column: "pixelSpacingMm", .double) }
    }
}
