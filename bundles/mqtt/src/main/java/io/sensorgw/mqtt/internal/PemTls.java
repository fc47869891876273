package io.sensorgw.mqtt.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/** TLS from the PEM files brokers and openssl use, without converting them to a keystore. */
final class PemTls {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  private PemTls() {}

  /**
   * A socket factory trusting the certificates in {@code caFile} (or the JVM's when empty), and
   * presenting {@code certFile}/{@code keyFile} when both are given.
   */
  static SSLSocketFactory socketFactory(String caFile, String certFile, String keyFile)
      throws IOException, GeneralSecurityException {
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    if (caFile.isBlank()) {
      trust.init((KeyStore) null);
    } else {
      KeyStore cas = KeyStore.getInstance(KeyStore.getDefaultType());
      cas.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates(Path.of(caFile)))
        cas.setCertificateEntry("ca" + i++, certificate);
      if (i == 0) throw new GeneralSecurityException("no certificate in " + caFile);
      trust.init(cas);
    }
    KeyManagerFactory keys = null;
    if (!certFile.isBlank() && !keyFile.isBlank()) {
      KeyStore identity = KeyStore.getInstance(KeyStore.getDefaultType());
      identity.load(null, null);
      char[] none = new char[0];
      identity.setKeyEntry(
          "client",
          privateKey(Path.of(keyFile)),
          none,
          certificates(Path.of(certFile)).toArray(new Certificate[0]));
      keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(identity, none);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
    return context.getSocketFactory();
  }

  private static List<Certificate> certificates(Path file)
      throws IOException, GeneralSecurityException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<Certificate> certificates = new ArrayList<>();
    for (byte[] der : blocks(file, "CERTIFICATE")) {
      certificates.add(factory.generateCertificate(new ByteArrayInputStream(der)));
    }
    return certificates;
  }

  private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
    List<byte[]> keys = blocks(file, "PRIVATE KEY");
    if (keys.isEmpty()) {
      throw new GeneralSecurityException(
          file
              + " holds no PKCS#8 key (BEGIN PRIVATE KEY); convert with "
              + "openssl pkcs8 -topk8 -nocrypt");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(keys.get(0));
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new GeneralSecurityException("unsupported key type in " + file);
  }

  private static List<byte[]> blocks(Path file, String type) throws IOException {
    Matcher matcher = BLOCK.matcher(Files.readString(file));
    List<byte[]> blocks = new ArrayList<>();
    while (matcher.find()) {
      if (matcher.group(1).equals(type))
        blocks.add(Base64.getMimeDecoder().decode(matcher.group(2)));
    }
    return blocks;
  }
}
