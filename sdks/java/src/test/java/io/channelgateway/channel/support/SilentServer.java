package io.channelgateway.channel.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A TCP server on an ephemeral loopback port that accepts connections, reads what is sent, and never
 * answers: a hung gateway. Records each request's head (request line and headers) as it arrives.
 */
public final class SilentServer implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> connections = Collections.synchronizedList(new ArrayList<>());
  private final List<String> requestHeads = Collections.synchronizedList(new ArrayList<>());
  private final Thread acceptor;

  public SilentServer() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptAll, "silent-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** The request heads received so far (one per request). */
  public List<String> requestHeads() {
    synchronized (requestHeads) {
      return new ArrayList<>(requestHeads);
    }
  }

  public int connectionCount() {
    return connections.size();
  }

  private void acceptAll() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        connections.add(socket);
        Thread reader = new Thread(() -> readHeads(socket), "silent-server-reader");
        reader.setDaemon(true);
        reader.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void readHeads(Socket socket) {
    StringBuilder head = new StringBuilder();
    try (InputStream in = socket.getInputStream()) {
      for (int b; (b = in.read()) >= 0; ) {
        head.append((char) b);
        if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
          requestHeads.add(new String(head.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
          head.setLength(0);
        }
      }
    } catch (IOException e) {
      // closed by close()
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    synchronized (connections) {
      for (Socket socket : connections) socket.close();
    }
  }
}
