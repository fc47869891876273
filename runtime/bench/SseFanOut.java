import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * SSE fan-out load: CLIENTS connections to URL read the stream for SECONDS after a 3 s warm-up and
 * report events per second per client (min, median, max), the total, and the readings the gateway
 * dropped for them (from its "dropped" events). Run with: java SseFanOut.java URL CLIENTS SECONDS
 * [TOKEN_FILE]; the token in TOKEN_FILE (e.g. the home's data/admin-token) is sent as
 * {@code Authorization: Bearer}, which /api/stream needs unless anonymous.read is on.
 */
public class SseFanOut {
  static final class Client {
    final AtomicLong events = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
  }

  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0]);
    int clients = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest.Builder request = HttpRequest.newBuilder(url);
    if (args.length > 3) request.header("Authorization", "Bearer " + Files.readString(Path.of(args[3])).trim());
    List<Client> all = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Client client = new Client();
      all.add(client);
      HttpResponse<java.io.InputStream> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(url + " answered " + response.statusCode() + ": "
            + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
      }
      Thread reader = new Thread(() -> read(response, client), "sse-" + i);
      reader.setDaemon(true);
      reader.start();
    }
    Thread.sleep(3000); // warm-up: every client connected and receiving
    long[] start = all.stream().mapToLong(c -> c.events.get()).toArray();
    long droppedStart = all.stream().mapToLong(c -> c.dropped.get()).sum();
    long begin = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    double elapsed = (System.nanoTime() - begin) / 1e9;
    double[] rates = new double[clients];
    for (int i = 0; i < clients; i++) rates[i] = (all.get(i).events.get() - start[i]) / elapsed;
    long dropped = all.stream().mapToLong(c -> c.dropped.get()).sum() - droppedStart;
    Arrays.sort(rates);
    double total = Arrays.stream(rates).sum();
    System.out.printf("sse fan-out: %d clients for %.1f s: events/s per client min %.0f, median %.0f, max %.0f;"
            + " total %.0f events/s; dropped for slow clients %d%n",
        clients, elapsed, rates[0], rates[clients / 2], rates[clients - 1], total, dropped);
  }

  private static void read(HttpResponse<java.io.InputStream> response, Client client) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      boolean droppedEvent = false;
      for (String line; (line = lines.readLine()) != null; ) {
        if (line.equals("event: reading")) {
          client.events.incrementAndGet();
        } else if (line.equals("event: dropped")) {
          droppedEvent = true;
        } else if (droppedEvent && line.startsWith("data: {\"dropped\":")) {
          client.dropped.addAndGet(Long.parseLong(line.replaceAll("\\D", "")));
          droppedEvent = false;
        }
      }
    } catch (Exception e) {
      // the run is over
    }
  }
}
