package io.sensorgw.vision.internal;

import io.sensorgw.vision.FrameAnalysis;
import io.sensorgw.vision.SyntheticScene;
import java.util.concurrent.TimeUnit;
import org.opencv.core.Mat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The whole analysis (luminosity, sharpness, laser dot) of one 4056x3040 frame of the synthetic
 * scene with a dot: the laser search in parallel with the rest, or everything on one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class AnalysisBenchmark {
  @Param({"parallel", "sequential"})
  public String mode;

  /** OpenCV's own worker threads (pthreads): 0 = its default, one per core. */
  @Param({"0"})
  public int opencvThreads;

  private OpenCvAnalyzer analyzer;
  private Mat frame;

  @Setup(Level.Trial)
  public void setUp() {
    io.sensorgw.vision.OpenCv.load();
    if (opencvThreads > 0) org.opencv.core.Core.setNumThreads(opencvThreads);
    analyzer = new OpenCvAnalyzer(mode.equals("parallel"));
    SyntheticScene scene = new SyntheticScene(1, 4056, 3040);
    double t = 0;
    SyntheticScene.Frame rendered;
    while (!(rendered = scene.render(t)).dotVisible()) t += 0.5;
    frame = rendered.bgr();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    analyzer.deactivate();
    frame.release();
  }

  @Benchmark
  public FrameAnalysis analyze() {
    return analyzer.analyze(frame);
  }
}
