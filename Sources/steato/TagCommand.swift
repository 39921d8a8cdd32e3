import ArgumentParser
import CaseStore
import Foundation
import UltrasoundImaging

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Tag an image's viewpoint; the change is written to the audit log.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The image: its number in 'steato show', or a sha256 prefix of 6+ characters.")
    var image: String

    @Argument(help: "The view, or none to clear the tag.")
    var view: ViewTag

    func run() throws {
        let newView = view.view
        let store = try database.open(forWriting: true)
        do {
            let record = try store.findImage(image)
            let previous = try store.tag(imageIds: [record.id!], view: newView)
            let old = previous[record.id!] ?? nil
            print("image \(record.id!) (\(record.originalName)): \(old?.rawValue ?? "untagged") → \(newView?.rawValue ?? "untagged")")
        } catch {
            throw fail(error)
        }
    }
}
