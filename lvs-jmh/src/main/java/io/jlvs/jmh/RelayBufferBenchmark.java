package io.jlvs.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The relay's buffer path: read a chunk from one loopback socket and write it to another, with a direct buffer
 * (what JLVS does: the JDK reads and writes native memory) and with a heap buffer (the JDK copies through a
 * temporary direct buffer both ways). Chunk sizes 1 KiB, 16 KiB and 64 KiB.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
@State(Scope.Benchmark)
public class RelayBufferBenchmark {
    @Param({"1024", "16384", "65536"})
    public int chunk;

    SocketChannel aOut;
    SocketChannel aIn;
    SocketChannel bOut;
    SocketChannel bIn;
    ByteBuffer direct;
    ByteBuffer heap;
    ByteBuffer sink;
    ByteBuffer payload;

    private static SocketChannel[] pair() throws IOException {
        try (ServerSocketChannel s = ServerSocketChannel.open()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final SocketChannel c = SocketChannel.open(s.getLocalAddress());
            final SocketChannel d = s.accept();
            return new SocketChannel[] {c, d};
        }
    }

    @Setup
    public void setUp() throws IOException {
        final SocketChannel[] a = pair();
        final SocketChannel[] b = pair();
        aOut = a[0];
        aIn = a[1];
        bOut = b[0];
        bIn = b[1];
        direct = ByteBuffer.allocateDirect(chunk);
        heap = ByteBuffer.allocate(chunk);
        sink = ByteBuffer.allocateDirect(chunk);
        payload = ByteBuffer.allocateDirect(chunk);
    }

    @TearDown
    public void tearDown() throws IOException {
        aOut.close();
        aIn.close();
        bOut.close();
        bIn.close();
    }

    private void relay(final ByteBuffer buf) throws IOException {
        payload.clear();
        while (payload.hasRemaining()) {
            aOut.write(payload);
        }
        int moved = 0;
        while (moved < chunk) {
            buf.clear().limit(chunk - moved);
            final int n = aIn.read(buf);
            buf.flip();
            while (buf.hasRemaining()) {
                bOut.write(buf);
            }
            moved += n;
        }
        int drained = 0;
        while (drained < chunk) {
            sink.clear().limit(chunk - drained);
            drained += bIn.read(sink);
        }
    }

    @Benchmark
    public void directBuffer() throws IOException {
        relay(direct);
    }

    @Benchmark
    public void heapBuffer() throws IOException {
        relay(heap);
    }
}
