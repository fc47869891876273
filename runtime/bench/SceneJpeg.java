import io.sensorgw.vision.OpenCv;
import io.sensorgw.vision.SyntheticScene;
import org.opencv.imgcodecs.Imgcodecs;

/** Writes one frame of the synthetic scene (with its laser dot) as a JPEG: java SceneJpeg.java W H FILE. */
public class SceneJpeg {
  public static void main(String[] args) {
    OpenCv.load();
    SyntheticScene scene = new SyntheticScene(1, Integer.parseInt(args[0]), Integer.parseInt(args[1]));
    double t = 0;
    SyntheticScene.Frame frame;
    while (!(frame = scene.render(t)).dotVisible()) t += 0.5;
    Imgcodecs.imwrite(args[2], frame.bgr());
  }
}
