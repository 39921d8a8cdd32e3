import Foundation
import UltrasoundImaging

/// Lays out the organs of each view for a patient: the same layout for every frame of one view in one
/// study (the probe stays put), new per study.
enum Anatomy {
    static func scene(for view: View, patient: SimulatedPatient, depthCm: Double, halfWidthCm: Double,
                      rng: inout RandomSource) -> Scene {
        var scene = Scene()
        scene.skin = rng.uniform(0.1, 0.2)
        scene.subcutaneousFat = patient.subcutaneousFatCm * rng.uniform(0.85, 1.15)
        scene.muscle = patient.muscleCm * rng.uniform(0.85, 1.15)
        scene.septumSpacing = rng.uniform(0.25, 0.5)
        let top = scene.layersDepth + 0.3
        switch view {
        case .rightIntercostal, .other:
            rightIntercostal(&scene, patient: patient, top: top, depth: depthCm, halfWidth: halfWidthCm, rng: &rng)
        case .subcostal: subcostal(&scene, top: top, depth: depthCm, rng: &rng)
        case .leftLobe: leftLobe(&scene, top: top, depth: depthCm, rng: &rng)
        }
        return scene
    }

    /// Liver with portal veins (echogenic walls), often the right kidney, sometimes a rib shadow or the gallbladder.
    private static func rightIntercostal(_ scene: inout Scene, patient: SimulatedPatient, top: Double, depth: Double,
                                         halfWidth: Double, rng: inout RandomSource) {
        if rng.chance(0.45) {
            let side = rng.chance(0.5) ? -1.0 : 1.0
            scene.ribs.append((x: side * rng.uniform(2.5, 4.0), halfWidth: rng.uniform(0.5, 0.9)))
        }
        if rng.chance(0.2) {
            let cx = rng.uniform(-3, 3), cy = top + rng.uniform(1.5, 3.0)
            let rx = rng.uniform(2.2, 3.4), ry = rng.uniform(0.9, 1.5), a = rng.uniform(-20, 20)
            scene.shapes.append(.ellipse(cx, cy, rx + 0.12, ry + 0.12, degrees: a, .vesselWall))
            scene.shapes.append(.ellipse(cx, cy, rx, ry, degrees: a, .bile))
        }
        addPortalVeins(&scene, count: 5 + Int(rng.next() % 6), top: top, bottom: min(depth - 2, top + 9), rng: &rng)
        if rng.chance(0.4) { addBowel(&scene, side: rng.chance(0.5) ? -1 : 1, top: top, depth: depth, rng: &rng) }
        if rng.chance(patient.kidneyVisibleChance) {
            let side = rng.chance(0.6) ? 1.0 : -1.0
            // A narrow (linear) field shows the kidney's pole at one side, the liver at the other.
            let cx = side * (halfWidth < 4 ? rng.uniform(1.6, 2.0) : rng.uniform(0.25, 0.7)) * halfWidth
            addKidney(&scene, cx: cx, cy: min(depth - 2.8, top + rng.uniform(5.5, 8.5)), narrow: halfWidth < 4, rng: &rng)
        }
    }

    /// Hepatic veins converging on the IVC, the diaphragm as a bright curve deep.
    private static func subcostal(_ scene: inout Scene, top: Double, depth: Double, rng: inout RandomSource) {
        let cx = rng.uniform(-1.2, 1.2), cy = min(depth - 4, top + rng.uniform(6, 8.5))
        let radius = rng.uniform(8, 12), dome = min(depth - 1.0, cy + rng.uniform(2.5, 4.5))
        scene.diaphragm = (cx: rng.uniform(-2, 2), cy: dome - radius, radius: radius)
        if rng.chance(0.15) {
            let gx = rng.uniform(-4, -1.5), gy = top + rng.uniform(1.5, 2.5)
            scene.shapes.append(.ellipse(gx, gy, 2.6, 1.2, degrees: rng.uniform(-25, 25), .vesselWall))
            scene.shapes.append(.ellipse(gx, gy, 2.48, 1.08, degrees: 0, .bile))
        }
        let ivc = rng.uniform(0.9, 1.3)
        scene.shapes.append(.ellipse(cx, cy, ivc + 0.05, ivc * 0.8 + 0.05, .hepaticWall))
        scene.shapes.append(.ellipse(cx, cy, ivc, ivc * 0.8, .blood))
        for angle in [rng.uniform(-70, -40), rng.uniform(-15, 15), rng.uniform(40, 70)] {
            addVesselChain(&scene, from: (cx, cy), heading: angle, length: rng.uniform(4.5, 7.5), radius: rng.uniform(0.35, 0.55),
                           wall: 0.05, wallTissue: .hepaticWall, rng: &rng)
        }
        addPortalVeins(&scene, count: 3 + Int(rng.next() % 4), top: top, bottom: cy, rng: &rng)
        if rng.chance(0.35) { addBowel(&scene, side: rng.chance(0.5) ? -1 : 1, top: top, depth: depth, rng: &rng) }
    }

    /// A thinner lobe; beneath it pancreas and bowel, the aorta and a vertebral body.
    private static func leftLobe(_ scene: inout Scene, top: Double, depth: Double, rng: inout RandomSource) {
        let edge = top + rng.uniform(4.0, 6.5)
        scene.lobeEdge = (a: edge, b: rng.uniform(-0.15, 0.15), c: rng.uniform(0.004, 0.02))
        let aortaY = min(depth - 3, edge + rng.uniform(2.2, 3.5)), r = rng.uniform(0.8, 1.1)
        scene.shapes.append(Scene.Shape(form: .capsule(x0: -12, y0: aortaY, x1: 12, y1: aortaY + rng.uniform(-0.5, 0.5), radius: r + 0.14), tissue: .vesselWall))
        scene.shapes.append(Scene.Shape(form: .capsule(x0: -12, y0: aortaY, x1: 12, y1: aortaY, radius: r), tissue: .blood))
        scene.shapes.append(.ellipse(rng.uniform(-1, 1), min(depth - 0.5, aortaY + r + 1.6), 2.6, 0.35, .bone))
        addPortalVeins(&scene, count: 3 + Int(rng.next() % 4), top: top, bottom: edge - 0.5, rng: &rng)
    }

    /// Portal branches: short curved runs and oblique cross-sections, echogenic walls, many of them small.
    private static func addPortalVeins(_ scene: inout Scene, count: Int, top: Double, bottom: Double, rng: inout RandomSource) {
        guard bottom > top + 0.5 else { return }
        for _ in 0..<count {
            let x = rng.uniform(-5, 5), y = rng.uniform(top + 0.6, bottom)
            let r = rng.uniform(0.12, 0.45), wall = rng.uniform(0.06, 0.12)
            if rng.chance(0.45) {
                addVesselChain(&scene, from: (x, y), heading: rng.uniform(-180, 180), length: rng.uniform(0.8, 2.8),
                               radius: r, wall: wall, wallTissue: .portalWall, rng: &rng)
            } else {
                let squash = rng.uniform(0.55, 1.0), a = rng.uniform(0, 180)
                scene.shapes.append(.ellipse(x, y, r + wall, r * squash + wall, degrees: a, .portalWall))
                scene.shapes.append(.ellipse(x, y, r, r * squash, degrees: a, .blood))
            }
        }
    }

    /// A vessel as a chain of short segments that bends a little and narrows along its course
    /// (heading in degrees from straight up).
    private static func addVesselChain(_ scene: inout Scene, from start: (Double, Double), heading: Double, length: Double,
                                       radius: Double, wall: Double, wallTissue: Tissue, rng: inout RandomSource) {
        let segments = 4
        var (x, y) = start
        var angle = heading, r = radius
        var walls: [Scene.Shape] = [], lumens: [Scene.Shape] = []
        for _ in 0..<segments {
            angle += rng.normal(0, 12)
            let a = angle * Double.pi / 180, step = length / Double(segments)
            let nx = x + sin(a) * step, ny = y - cos(a) * step
            walls.append(Scene.Shape(form: .capsule(x0: x, y0: y, x1: nx, y1: ny, radius: r + wall), tissue: wallTissue))
            lumens.append(Scene.Shape(form: .capsule(x0: x, y0: y, x1: nx, y1: ny, radius: r), tissue: .blood))
            (x, y) = (nx, ny)
            r *= rng.uniform(0.72, 0.88)
        }
        // Every wall before any lumen: drawn segment by segment, each wall crossed the previous
        // segment's lumen at the joint and the vessel read as a dotted chain, not a tube.
        scene.shapes += walls + lumens
    }

    /// Bowel beside or below the liver's edge (hepatic flexure, duodenum, stomach): a loop with
    /// echogenic, uneven contents and gas pockets on its near wall that cast dirty shadows — in most
    /// real subcostal and intercostal views, and it has nothing to do with the liver's fat.
    private static func addBowel(_ scene: inout Scene, side: Double, top: Double, depth: Double, rng: inout RandomSource) {
        let cx = side * rng.uniform(2.5, 5.5), cy = min(depth - 1.5, top + rng.uniform(4.5, 9))
        let rx = rng.uniform(2.5, 4.5), ry = rng.uniform(1.2, 2.5), a = rng.uniform(-30, 30)
        scene.shapes.append(.ellipse(cx, cy, rx + 0.15, ry + 0.15, degrees: a, .capsule))
        scene.shapes.append(.ellipse(cx, cy, rx, ry, degrees: a, .bowel))
        let ar = a * Double.pi / 180
        for _ in 0..<(2 + Int(rng.next() % 6)) {
            // Gas floats to the loop's near (upper) side.
            let t = rng.uniform(-0.8, 0.8), u = t * rx, v = -ry * (1 - t * t).squareRoot() * rng.uniform(0.5, 0.9)
            let gx = cx + u * cos(ar) - v * sin(ar), gy = cy + u * sin(ar) + v * cos(ar)
            scene.shapes.append(.ellipse(gx, gy, rng.uniform(0.2, 0.7), rng.uniform(0.12, 0.3), degrees: a + rng.normal(0, 15), .gas))
        }
    }

    /// The right kidney in long axis: perirenal fat, cortex, darker medullary pyramids, bright sinus.
    private static func addKidney(_ scene: inout Scene, cx: Double, cy: Double, narrow: Bool, rng: inout RandomSource) {
        // In a narrow (linear) field only an obliquely cut pole shows beside the liver.
        let rx = rng.uniform(4.6, 5.6), ry = rng.uniform(2.1, 2.7)
        let a = narrow ? (rng.chance(0.5) ? 1 : -1) * rng.uniform(18, 30) : rng.uniform(-25, 25)
        // Behind the kidney the liver ends: the posterior body wall (a muscle band) and retroperitoneal
        // tissue below it, and echogenic perirenal fat round the kidney, as in a real right-flank view.
        // (The scene of a kidney alone has the same surroundings, so only the liver tells them apart.)
        if rng.chance(0.75) {
            let wallY = cy + ry + rng.uniform(0.8, 2.2), tilt = rng.uniform(-0.8, 0.8)
            scene.shapes.append(.ellipse(cx, wallY + 7, 16, 7, degrees: tilt * 4, .softTissue))
            scene.shapes.append(Scene.Shape(form: .capsule(x0: cx - 12, y0: wallY - tilt, x1: cx + 12, y1: wallY + tilt,
                                                           radius: rng.uniform(0.7, 1.5)), tissue: .muscle))
        }
        // The fat's rim: up to 1.3 cm round the kidney; a narrow (linear) field cuts the pole tangentially,
        // where it shows as a thin bright line.
        let halo = narrow ? rng.uniform(0.3, 0.5) : rng.uniform(0.3, 1.3)
        scene.shapes.append(.ellipse(cx, cy, rx + halo, ry + halo, degrees: a, .kidneyCapsule))
        scene.shapes.append(.ellipse(cx, cy, rx, ry, degrees: a, .kidneyCortex))
        let ar = a * Double.pi / 180
        for i in 0..<6 {
            let t = (Double(i) + 0.5) / 6 * 2 * Double.pi
            let u = cos(t) * rx * 0.62, v = sin(t) * ry * 0.55
            let px = cx + u * cos(ar) - v * sin(ar), py = cy + u * sin(ar) + v * cos(ar)
            scene.shapes.append(.ellipse(px, py, 0.55, 0.4, degrees: a + t * 180 / Double.pi, .kidneyMedulla))
        }
        scene.shapes.append(.ellipse(cx, cy, rx * 0.55, ry * 0.38, degrees: a, .kidneySinus))
    }

    /// Where a kidney-cortex box and a liver box at the same depth can go, for the hepatorenal index:
    /// centres (cm) whose whole box lies in one tissue, or nil when the view has no visible cortex.
    static func hepatorenalBoxes(_ scene: Scene, halfSize: Double, isInside: (Double, Double) -> Bool)
        -> (liver: (x: Double, y: Double), kidney: (x: Double, y: Double))? {
        func uniform(_ x: Double, _ y: Double, _ tissue: Tissue) -> Bool {
            for i in -2...2 { for j in -2...2 {
                let px = x + Double(i) * halfSize / 2, py = y + Double(j) * halfSize / 2
                guard isInside(px, py), scene.tissue(x: px, y: py, z: py, texture: 0) == tissue else { return false }
            } }
            return true
        }
        for y in stride(from: scene.layersDepth + 3, through: 16, by: 0.1) {
            for x in stride(from: -6.0, through: 6.0, by: 0.1) where uniform(x, y, .kidneyCortex) {
                // The liver box sits beside the cortex at the same depth, or up to 6 mm above it.
                for dy in [0.0, -0.3, -0.6] {
                    for dx in stride(from: 1.0, through: 4.0, by: 0.2) {
                        for candidate in [x - dx, x + dx] where uniform(candidate, y + dy, .liver) {
                            return ((candidate, y + dy), (x, y))
                        }
                    }
                }
            }
        }
        return nil
    }
}
