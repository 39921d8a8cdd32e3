import ArgumentParser
import Foundation
import ModelCore
import Scoring

/// Options shared by the model benchmarks.
struct ModelBenchOptions: ParsableArguments {
    @Option(help: "Model file (default: the steatosis network, randomly initialised).") var model: String?
    @Option(help: "OpenBLAS threads.") var threads = 2
    @Option(help: "Timed iterations; the median is reported.") var iterations = 30

    func network() throws -> ConvNet {
        if let model {
            do { return try ConvNet.load(path: model).net } catch { throw fail(error) }
        }
        return BenchmarkModel.make()
    }
}

enum BenchmarkModel {
    /// The steatosis network, or one `widen` times wider at `size`² input (the size the real-scanner
    /// work may need), for measuring how the model core scales.
    static func spec(widen: Int = 1, size: Int = SteatosisNetwork.size) -> NetworkSpec {
        var spec = SteatosisNetwork.spec
        spec.stem *= widen
        spec.blocks = spec.blocks.map { .init(out: $0.out * widen, stride: $0.stride) }
        spec.inputHeight = size; spec.inputWidth = size
        return spec
    }

    /// A network with random weights and batch-norm statistics from a few random batches.
    static func make(seed: UInt64 = 7, spec: NetworkSpec = SteatosisNetwork.spec) -> ConvNet {
        let net = ConvNet(spec: spec, seed: seed)
        let context = ForwardContext(training: true)
        var state = seed
        for _ in 0..<3 {
            var x = Tensor(zeros: [4, spec.inputChannels, spec.inputHeight, spec.inputWidth])
            for i in x.data.indices { state = state &* 6364136223846793005 &+ 1442695040888963407; x.data[i] = Float(state >> 40) / Float(1 << 24) }
            _ = net.forward(x, conditions: [0, 1, 2, 3], context: context)
        }
        return net
    }

    static func randomInput(batch: Int, spec: NetworkSpec, seed: UInt64) -> (Tensor, [Int]) {
        var state = seed
        var x = Tensor(zeros: [batch, spec.inputChannels, spec.inputHeight, spec.inputWidth])
        for i in x.data.indices { state = state &* 6364136223846793005 &+ 1442695040888963407; x.data[i] = Float(state >> 40) / Float(1 << 24) * 2 - 1 }
        return (x, (0..<batch).map { $0 % spec.conditions })
    }

    static func median(_ values: [Double]) -> Double { let s = values.sorted(); return s[s.count / 2] }
}

struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inference speed: ms per image, images/s, GFLOP/s and the fraction of this machine's sgemm peak.",
        discussion: """
            --write-model PATH saves the benchmark network; --input/--output run one given batch (tensors 'input' and \
            'conditions') and save 'logits', for comparing against another runtime (scripts/bench_peer.py).
            """)

    @OptionGroup var options: ModelBenchOptions
    @Option(help: "Images per batch.") var batch = 1
    @Option(help: "Write the benchmark model to this file and stop.") var writeModel: String?
    @Option(help: "With --write-model: channels times the shipped network's.") var widen = 1
    @Option(help: "With --write-model: input size (pixels a side).") var size = SteatosisNetwork.size
    @Option(help: "Safetensors file with 'input' [N, C, H, W] and 'conditions' [N].") var input: String?
    @Option(help: "Write the logits of --input here.") var output: String?
    @Flag(help: "Also time each stage of the trunk.") var profile = false
    @Option(help: "Worker threads splitting the batch (each with single-threaded BLAS); 0 uses BLAS threads instead.")
    var workers = 2
    @Flag(help: "Run the layer-by-layer reference path instead of the blocked, fused kernels (to measure their effect).")
    var layerByLayer = false

    func run() throws {
        if let writeModel {
            let spec = BenchmarkModel.spec(widen: widen, size: size)
            do { try BenchmarkModel.make(spec: spec).save(path: writeModel, metadata: ["name": "benchmark-random"]) } catch { throw fail(error) }
            print("benchmark model written to \(writeModel)")
            return
        }
        BLAS.setThreads(options.threads)
        let net = try options.network().folded()
        let spec = net.spec
        var x: Tensor, conditions: [Int]
        if let input {
            do {
                let file = try SafetensorsFile.read(path: input)
                guard let t = file.tensors["input"], let c = file.tensors["conditions"] else {
                    throw fail(UserFacingError("\(input): needs tensors 'input' and 'conditions'"))
                }
                x = t; conditions = c.data.map { Int($0) }
            } catch let e as ExitCode { throw e } catch { throw fail(error) }
        } else {
            (x, conditions) = BenchmarkModel.randomInput(batch: batch, spec: spec, seed: 3)
        }
        let n = x.shape[0]
        let context = ForwardContext(training: false)
        let engine = workers > 0 ? InferenceEngine(network: net, workers: workers, blocked: !layerByLayer) : nil
        if engine == nil { BLAS.setThreads(options.threads) }
        func infer() -> Tensor { engine?.run(x, conditions: conditions) ?? net.forward(x, conditions: conditions, context: context) }
        var logits = infer()   // warm-up, and the output
        for _ in 0..<3 { logits = infer() }
        var times: [Double] = []
        for _ in 0..<options.iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            logits = infer()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        if profile {
            context.conditions = conditions
            var stageTimes = [Double](repeating: 0, count: net.trunk.layers.count)
            for _ in 0..<options.iterations {
                var y = x
                for (i, layer) in net.trunk.layers.enumerated() {
                    let start = DispatchTime.now().uptimeNanoseconds
                    y = layer.forward(y, context)
                    stageTimes[i] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                }
            }
            for (i, layer) in net.trunk.layers.enumerated() {
                print(String(format: "  stage %2d %-12@ %.3f ms", i, String(describing: type(of: layer)), stageTimes[i] / Double(options.iterations)))
            }
        }
        if let output {
            do { try SafetensorsFile(tensors: ["logits": logits]).write(path: output) } catch { throw fail(error) }
        }
        let ms = BenchmarkModel.median(times)
        let gflops = 2 * Double(spec.multiplyAdds) * Double(n) / (ms / 1000) / 1e9
        BLAS.setThreads(options.threads)
        let peak = BLAS.peakGFLOPS()
        let threading = engine.map { "\($0.workers) workers" + ($0.isBlocked ? ", blocked kernels" : " × 1 BLAS thread, layer by layer") }
            ?? "\(options.threads) BLAS threads, layer by layer"
        print("model \(spec.inputChannels)×\(spec.inputHeight)×\(spec.inputWidth), \(String(format: "%.1f", Double(spec.multiplyAdds) / 1e6)) M multiply-adds per image; batch \(n); \(threading)")
        print(String(format: "median %.3f ms per batch, %.3f ms per image, %.1f images/s", ms, ms / Double(n), Double(n) / (ms / 1000)))
        print(String(format: "%.2f GFLOP/s = %.1f%% of this machine's sgemm peak (%.1f GFLOP/s, 512³, same threads)", gflops, 100 * gflops / peak, peak))
    }
}

struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Training speed: images/s for forward + backward + AdamW steps.")

    @OptionGroup var options: ModelBenchOptions
    @Option(help: "Images per step.") var batch = 32
    @Flag(help: "Also time forward and backward of each stage of the trunk.") var profile = false

    func run() throws {
        Parallelism.use(threads: options.threads)   // as `steato train` does
        let net = try options.network()
        let spec = net.spec
        let optimiser = AdamW(net.parameters, learningRate: 1e-3)
        let (x, conditions) = BenchmarkModel.randomInput(batch: batch, spec: spec, seed: 5)
        let target = [Float](repeating: 0.1, count: batch * spec.outputs)
        let context = ForwardContext(training: true)
        func step() {
            optimiser.zeroGrad()
            let logits = net.forward(x, conditions: conditions, context: context)
            let (_, grad) = Loss.meanSquaredError(logits, target)
            net.backward(grad)
            optimiser.update()
        }
        step(); step()
        var times: [Double] = []
        for _ in 0..<options.iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            step()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        if profile {
            context.conditions = conditions
            var forwardTimes = [Double](repeating: 0, count: net.trunk.layers.count), backwardTimes = forwardTimes
            for _ in 0..<options.iterations {
                var y = x
                for (i, layer) in net.trunk.layers.enumerated() {
                    let start = DispatchTime.now().uptimeNanoseconds
                    y = layer.forward(y, context)
                    forwardTimes[i] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                }
                var g = y
                for i in g.data.indices { g.data[i] = 0.01 }
                for (i, layer) in net.trunk.layers.enumerated().reversed() {
                    let start = DispatchTime.now().uptimeNanoseconds
                    g = layer.backward(g)
                    backwardTimes[i] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                }
            }
            for (i, layer) in net.trunk.layers.enumerated() {
                print(String(format: "  stage %2d %-10@ forward %.2f ms, backward %.2f ms", i, String(describing: type(of: layer)),
                             forwardTimes[i] / Double(options.iterations), backwardTimes[i] / Double(options.iterations)))
            }
        }
        let ms = BenchmarkModel.median(times)
        print("training batch \(batch), \(options.threads) threads (large layers split between them, BLAS single-threaded)")
        print(String(format: "median %.2f ms per step, %.1f images/s", ms, Double(batch) / (ms / 1000)))
    }
}
