import ArgumentParser
import CaseStore
import Casework
import TerminalGraphics
import UltrasoundImaging

// Option values with a fixed set of words: the parser checks them, and help and shell completion list them.
extension WorklistSort: ExpressibleByArgument {}
extension ReferenceStandard: ExpressibleByArgument {}
extension StudyEvaluation.Grouping: ExpressibleByArgument {}
extension TrainingSet.Labels: ExpressibleByArgument {}
extension View: ExpressibleByArgument {}

/// `--graphics`: a drawing mode, or `auto` to ask the terminal.
enum GraphicsChoice: String, CaseIterable, ExpressibleByArgument {
    case auto, kitty, sixel, text, ascii
    var mode: GraphicsMode? { GraphicsMode(rawValue: rawValue) }
}

/// tag's VIEW: a view, or `none` to clear the tag.
enum ViewTag: String, CaseIterable, ExpressibleByArgument {
    case rightIntercostal = "right-intercostal", subcostal, leftLobe = "left-lobe", other, none
    var view: View? { View(rawValue: rawValue) }

    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
