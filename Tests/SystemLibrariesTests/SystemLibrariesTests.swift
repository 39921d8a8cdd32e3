import CChafa
import CNcursesw
import COpenBLAS
import CPNG
import CTurboJPEG
import Testing

/// Each shim imports and links on a clean machine, and its library answers a real call.
@Suite struct SystemLibrariesTests {
    @Test func ncurseswIsTheWideBuild() {
        let version = String(cString: curses_version())
        #expect(version.hasPrefix("ncurses"))
        // The wide-character API is visible because the shim defines NCURSES_WIDECHAR.
        var cell = cchar_t()
        #expect(setcchar(&cell, [0x2588, 0], 0, 0, nil) == OK)
    }

    @Test func openBLASMultipliesMatrices() {
        let a: [Float] = [1, 2, 3, 4]     // 2×2, row-major
        let b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        #expect(c == [19, 22, 43, 50])
        #expect(openblas_get_num_threads() >= 1)
    }

    @Test func turboJPEGStarts() {
        let handle = tjInitCompress()
        #expect(handle != nil)
        tjDestroy(handle)
    }

    @Test func libpngIsVersion16() {
        #expect(png_access_version_number() >= 10600)
    }

    @Test func chafaBuildsACanvas() {
        let config = chafa_canvas_config_new()
        chafa_canvas_config_set_geometry(config, 10, 5)
        var width: Int32 = 0, height: Int32 = 0
        chafa_canvas_config_get_geometry(config, &width, &height)
        #expect(width == 10 && height == 5)
        chafa_canvas_config_unref(config)
    }
}
