// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Steatoscope",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "steato", targets: ["steato"]),
        .executable(name: "steato-fuzz", targets: ["steato-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", exact: "2.5.2"),
    ],
    targets: [
        // System libraries, each behind a small shim header.
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw",
                       providers: [.apt(["libncursesw5-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CChafa", pkgConfig: "chafa",
                       providers: [.apt(["libchafa-dev", "libglib2.0-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo",
                       providers: [.apt(["libcairo2-dev"])]),

        // DICOM through DCMTK (parsing, JPEG, JPEG-LS, RLE) and OpenJPEG (JPEG 2000), behind a C header.
        .target(name: "CDicom",
                cxxSettings: [.unsafeFlags(["-I/usr/include/openjpeg-2.5", "-O2"])],
                linkerSettings: ["dcmjpls", "dcmtkcharls", "dcmjpeg", "ijg8", "ijg12", "ijg16", "dcmimage", "dcmimgle",
                                 "dcmsr", "dcmdata", "oflog", "ofstd", "openjp2", "xml2"].map { .linkedLibrary($0) }),
        .target(name: "UltrasoundImaging", dependencies: ["CTurboJPEG", "CPNG", "CKernels", "CDicom"]),
        // DICOM networking (storage SCP, and SCU for find / move / get / store) through DCMTK's dcmnet.
        .target(name: "CDicomNet",
                linkerSettings: ["dcmnet", "dcmdata", "oflog", "ofstd"].map { .linkedLibrary($0) }),
        .target(name: "DicomNetwork", dependencies: ["CDicomNet"]),
        // The simulator's inner loops are optimised even in debug builds, so tests and cohorts stay fast.
        .target(name: "Phantom", dependencies: ["UltrasoundImaging"], swiftSettings: [.unsafeFlags(["-O"])]),
        // Hot elementwise and depthwise loops in C, which clang vectorises (see kernels.h).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "ModelCore", dependencies: ["COpenBLAS", "CKernels"]),
        .target(name: "Scoring", dependencies: ["ModelCore", "UltrasoundImaging", "Evaluation", "CKernels"]),
        .target(name: "Evaluation", dependencies: ["UltrasoundImaging"]),
        .target(name: "TerminalGraphics", dependencies: ["CChafa"]),
        // Documents for people: the PDF study report and the evaluation plots, drawn with Cairo.
        .target(name: "Documents", dependencies: ["CCairo", "UltrasoundImaging"]),
        // Steatosis grades read from report text, by rules kept as a table.
        .target(name: "ReportText"),
        // The use cases on stored cases (score a study, adapt a scanner, evaluate, train from the
        // database): the one seam between the case database, the model and the front ends.
        .target(name: "Casework", dependencies: ["CaseStore", "Scoring", "Evaluation", "UltrasoundImaging", "Documents"],
                plugins: ["SoftwareVersionPlugin"]),
        .plugin(name: "SoftwareVersionPlugin", capability: .buildTool()),
        .target(name: "Workstation", dependencies: ["Casework", "CaseStore", "UltrasoundImaging", "TerminalGraphics", "CNcursesw",
                                                   "DicomNetwork"]),
        .target(name: "CaseStore", dependencies: [
            "UltrasoundImaging",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "CSV", package: "CSV.swift"),
        ]),
        .executableTarget(name: "steato", dependencies: [
            "Casework", "CaseStore", "UltrasoundImaging", "Phantom", "ModelCore", "Scoring", "Evaluation", "CKernels", "Workstation",
            "ReportText", "DicomNetwork",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Fuzz targets: built with libFuzzer by `make fuzz` (-DFUZZING), else a replayer of saved inputs.
        .executableTarget(name: "steato-fuzz", dependencies: ["CaseStore", "UltrasoundImaging", "ModelCore", "Scoring", "ReportText", "Workstation", "DicomNetwork"],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),

        .testTarget(name: "SystemLibrariesTests",
                    dependencies: ["CNcursesw", "CTurboJPEG", "COpenBLAS", "CPNG", "CChafa"]),
        .testTarget(name: "UltrasoundImagingTests", dependencies: ["UltrasoundImaging", "CKernels"]),
        .testTarget(name: "ModelCoreTests", dependencies: ["ModelCore", "UltrasoundImaging"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation"]),
        .testTarget(name: "ScoringTests", dependencies: ["Scoring", "ModelCore", "UltrasoundImaging", "Phantom", "CKernels"]),
        .testTarget(name: "PhantomTests", dependencies: ["Phantom", "UltrasoundImaging"]),
        .testTarget(name: "WorkstationTests", dependencies: ["Workstation", "CaseStore", "TerminalGraphics", "UltrasoundImaging", "DicomNetwork",
                                                           .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "CaseStoreTests", dependencies: ["CaseStore", "UltrasoundImaging"]),
        .testTarget(name: "ReportTextTests", dependencies: ["ReportText"]),
        .testTarget(name: "CaseworkTests", dependencies: ["Casework", "CaseStore", "Scoring", "Evaluation", "UltrasoundImaging"]),
    ]
)
