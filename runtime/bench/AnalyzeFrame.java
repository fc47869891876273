import io.sensorgw.vision.OpenCv;
import io.sensorgw.vision.SyntheticScene;
import io.sensorgw.vision.internal.OpenCvAnalyzer;
import java.util.Arrays;
import org.opencv.core.Mat;

/**
 * Times the vision bundle's analysis (the gateway's own OpenCvAnalyzer: laser search beside grey
 * level and sharpness) of one W x H frame of the synthetic scene with its laser dot, wall time per
 * call, as runtime/bench/vision's JMH does but as a plain program, so that it can run inside a
 * cgroup with the start script's JVM flags (runtime/bench/constrained). Prints one line.
 *
 *   java -cp io.sensorgw.vision.jar:opencv.jar AnalyzeFrame.java W H WARMUP RUNS
 */
public class AnalyzeFrame {
  public static void main(String[] args) {
    int width = Integer.parseInt(args[0]), height = Integer.parseInt(args[1]);
    int warmup = Integer.parseInt(args[2]), runs = Integer.parseInt(args[3]);
    OpenCv.load();
    SyntheticScene scene = new SyntheticScene(1, width, height);
    double t = 0;
    SyntheticScene.Frame rendered;
    while (!(rendered = scene.render(t)).dotVisible()) t += 0.5;
    Mat frame = rendered.bgr();
    OpenCvAnalyzer analyzer = new OpenCvAnalyzer();
    for (int i = 0; i < warmup; i++) analyzer.analyze(frame);
    double[] ms = new double[runs];
    boolean found = true;
    for (int i = 0; i < runs; i++) {
      long begin = System.nanoTime();
      found &= analyzer.analyze(frame).laser().found();
      ms[i] = (System.nanoTime() - begin) / 1e6;
    }
    Arrays.sort(ms);
    System.out.printf("analysis alone (%dx%d, %d runs after %d warm-up, laser dot found in every run: %s):"
        + " median %.1f ms, p90 %.1f ms, max %.1f ms; %d processors seen%n", width, height, runs, warmup, found,
        ms[runs / 2], ms[(int) Math.min(runs - 1, Math.ceil(runs * 0.9) - 1)], ms[runs - 1],
        Runtime.getRuntime().availableProcessors());
    System.exit(0); // the analyzer's laser thread is a daemon; exit without waiting for anything
  }
}
