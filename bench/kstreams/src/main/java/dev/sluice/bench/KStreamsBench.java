package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The Kafka Streams counterpart of Sluice's Kafka bench cases, one stream thread, default settings
 * otherwise (record caching on, 30 s commit interval):
 *
 * <ul>
 *   <li>q0: every bid parsed and written back as JSON with ksqlDB's upper-case column names;
 *   <li>q2: bids with auction % 123 = 0, projected to {AUCTION, PRICE};
 *   <li>tumble: per auction and 10 s tumbling window, COUNT(*) and SUM(price) (re-keyed by auction
 *       through a repartition topic, as ksqlDB does).
 * </ul>
 *
 * <p>Usage: KStreamsBench BOOTSTRAP INPUT_TOPIC OUTPUT_TOPIC q0|q2|tumble RECORDS APPLICATION_ID
 *
 * <p>Prints one JSON line: records processed, seconds from start() until the last input record was
 * processed (for tumble: aggregated), seconds until the first output record was handed to the
 * producer (-1 if none), outputs handed to the producer.
 */
public final class KStreamsBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] COLUMNS = {"auction", "bidder", "price", "channel", "url", "dateTime", "extra"};

  private KStreamsBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: KStreamsBench BOOTSTRAP INPUT OUTPUT q0|q2|tumble RECORDS APPLICATION_ID");
      System.exit(2);
    }
    String bootstrap = args[0], input = args[1], output = args[2], query = args[3], appId = args[5];
    long expected = Long.parseLong(args[4]);

    AtomicLong processed = new AtomicLong();
    AtomicLong outputs = new AtomicLong();
    AtomicLong firstOutputNanos = new AtomicLong(-1);
    AtomicLong lastInputNanos = new AtomicLong(-1);
    CountDownLatch done = new CountDownLatch(1);
    Runnable counted = () -> {
      if (processed.incrementAndGet() == expected) {
        lastInputNanos.set(System.nanoTime());
        done.countDown();
      }
    };
    Runnable emitted = () -> {
      if (outputs.incrementAndGet() == 1) firstOutputNanos.set(System.nanoTime());
    };

    StreamsBuilder builder = new StreamsBuilder();
    KStream<byte[], byte[]> bids = builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()));
    switch (query) {
      case "q0" -> bids.mapValues(v -> {
            counted.run();
            return passthrough(v);
          })
          .peek((k, v) -> emitted.run())
          .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
      case "q2" -> bids.flatMapValues(v -> {
            counted.run();
            JsonNode n = parse(v);
            long auction = n.path("auction").asLong();
            if (auction % 123 != 0) return java.util.List.<byte[]>of();
            ObjectNode out = JSON.createObjectNode();
            out.put("AUCTION", auction);
            out.set("PRICE", n.get("price"));
            return java.util.List.of(write(out));
          })
          .peek((k, v) -> emitted.run())
          .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
      case "tumble" -> bids.map((k, v) -> {
            JsonNode n = parse(v);
            return KeyValue.pair(n.path("auction").asLong(), n.path("price").asLong());
          })
          .groupByKey(Grouped.with(Serdes.Long(), Serdes.Long()))
          // ksqlDB's default grace period for windows without GRACE PERIOD is 24 hours.
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofHours(24)))
          .aggregate(
              () -> new long[] {0, 0},
              (key, price, agg) -> {
                counted.run();
                return new long[] {agg[0] + 1, agg[1] + price};
              },
              Materialized.<Long, long[], WindowStore<Bytes, byte[]>>with(Serdes.Long(), new CountSumSerde()))
          .toStream()
          .map((wk, agg) -> {
            emitted.run();
            byte[] value = ("{\"BID_COUNT\":" + agg[0] + ",\"TOTAL\":" + agg[1] + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return KeyValue.pair(wk, value);
          })
          .to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(Long.class, 10_000L), Serdes.ByteArray()));
      default -> {
        System.err.println("unknown query " + query);
        System.exit(2);
      }
    }

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("kstreams-bench-").toString());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    long t0 = System.nanoTime();
    streams.start();
    boolean finished = done.await(300, TimeUnit.SECONDS);
    long end = finished ? lastInputNanos.get() : System.nanoTime();
    streams.close(Duration.ofSeconds(30));
    streams.cleanUp();
    long first = firstOutputNanos.get();
    System.out.println("{\"records\":" + processed.get()
        + ",\"seconds\":" + (end - t0) / 1e9
        + ",\"firstOutputSeconds\":" + (first < 0 ? -1 : (first - t0) / 1e9)
        + ",\"outputs\":" + outputs.get()
        + ",\"finished\":" + finished + "}");
    System.exit(0);
  }

  private static JsonNode parse(byte[] v) {
    try {
      return JSON.readTree(v);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static byte[] write(JsonNode n) {
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** SELECT *: the value's columns under ksqlDB's upper-case names, in declaration order. */
  private static byte[] passthrough(byte[] v) {
    JsonNode n = parse(v);
    ObjectNode out = JSON.createObjectNode();
    for (String c : COLUMNS) out.set(c.toUpperCase(java.util.Locale.ROOT), n.get(c));
    return write(out);
  }

  /** {count, sum} as two big-endian longs. */
  static final class CountSumSerde implements Serde<long[]> {
    @Override
    public Serializer<long[]> serializer() {
      return (topic, a) -> a == null ? null : ByteBuffer.allocate(16).putLong(a[0]).putLong(a[1]).array();
    }

    @Override
    public Deserializer<long[]> deserializer() {
      return (topic, b) -> {
        if (b == null) return null;
        ByteBuffer buf = ByteBuffer.wrap(b);
        return new long[] {buf.getLong(), buf.getLong()};
      };
    }
  }
}
