import COpenBLAS

/// The only door to BLAS. OpenBLAS starts as many threads as cores, and those threads spin against
/// Swift's own workers; callers say how many they want (1 for the small GEMMs of batch-1 inference,
/// the core count for large training batches).
public enum BLAS {
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// C = alpha·op(A)·op(B) + beta·C, row-major. op(A) is m×k, op(B) is k×n.
    @inline(__always)
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Measures this machine's sgemm throughput (GFLOP/s) on square n×n products, for benchmarks.
    public static func peakGFLOPS(n: Int = 512, repeats: Int = 10) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTimeShim.now()
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                gemm(transA: false, transB: false, m: n, n: n, k: n, a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: n,
                     beta: 0, c: pc.baseAddress!, ldc: n)
            } } }
            best = min(best, DispatchTimeShim.now() - start)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }
}

import Foundation

enum DispatchTimeShim {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
