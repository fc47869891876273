package io.sensorgw.device.tfluna.internal;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Parser throughput on a stream in which 10 % of the frames are corrupted (one byte changed), fed
 * in 512-byte reads as the driver does. One operation is one frame of the stream. Run with
 * runtime/bench/tfluna-parser.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FrameParserBenchmark {
  static final int FRAMES = 100_000;
  private byte[] stream;
  private FrameParser parser;

  @Setup
  public void prepare() {
    SplittableRandom random = new SplittableRandom(1);
    stream = new byte[FRAMES * FrameParser.FRAME_LENGTH];
    for (int i = 0; i < FRAMES; i++) {
      int at = i * FrameParser.FRAME_LENGTH;
      Frames.encodeFrame(random.nextInt(1200), random.nextInt(65536), 2300, stream, at);
      if (random.nextInt(10) == 0)
        stream[at + random.nextInt(FrameParser.FRAME_LENGTH)] ^= (byte) random.nextInt(1, 256);
    }
    parser = new FrameParser();
  }

  @Benchmark
  @OperationsPerInvocation(FRAMES)
  public void parse(Blackhole blackhole) {
    FrameParser.FrameSink sink = (distance, amplitude, temperature) -> blackhole.consume(distance);
    for (int offset = 0; offset < stream.length; offset += 512) {
      parser.feed(stream, offset, Math.min(512, stream.length - offset), sink);
    }
  }
}
