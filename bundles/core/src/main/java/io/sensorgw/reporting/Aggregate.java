package io.sensorgw.reporting;

import java.util.Arrays;

/** How a window of values becomes the one value reported for it. */
public enum Aggregate {
  /** No window: each reading's own value. */
  NONE,
  MEAN,
  MEDIAN,
  MIN,
  MAX;

  /** This aggregate of {@code values[0..count)}; {@code values} may be reordered. */
  double of(double[] values, int count) {
    switch (this) {
      case MEAN -> {
        double sum = 0;
        for (int i = 0; i < count; i++) sum += values[i];
        return sum / count;
      }
      case MEDIAN -> {
        Arrays.sort(values, 0, count);
        int middle = count / 2;
        return count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
      }
      case MIN -> {
        double min = values[0];
        for (int i = 1; i < count; i++) min = Math.min(min, values[i]);
        return min;
      }
      case MAX -> {
        double max = values[0];
        for (int i = 1; i < count; i++) max = Math.max(max, values[i]);
        return max;
      }
      default -> {
        return values[count - 1];
      }
    }
  }
}
