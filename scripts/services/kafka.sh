# Apache Kafka in KRaft mode, one node that is both broker and controller, on loopback only:
#   PLAINTEXT  127.0.0.1:9092   (tests, the demo, benchmarks)
#   SASL_SSL   127.0.0.1:9094   (SCRAM-SHA-512 over TLS, the old stack's setup; certificates signed by a CA
#                                that this script generates)
#   CONTROLLER 127.0.0.1:9093   (KRaft quorum, internal)
# The jars come from Maven Central through Maven and are cached in ${FRAUDOPS_CACHE_DIR:-~/.cache/fraudops}, so
# a fresh clone reuses them. The SCRAM user `fraudops` gets a random password at first start, kept in a 0600
# file under $STATE/kafka (never printed). Sourced by services.sh.
ORDER_kafka=30
KAFKA_VERSION=4.1.1
KAFKA_PORT="${FRAUDOPS_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${FRAUDOPS_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_SASL_PORT="${FRAUDOPS_KAFKA_SASL_PORT:-9094}"
KAFKA_DIR="$STATE/kafka"
KAFKA_TLS="$KAFKA_DIR/tls"
KAFKA_LOG="$STATE/logs/kafka.log"
KAFKA_USER=fraudops
KAFKA_LIBS="${FRAUDOPS_CACHE_DIR:-$HOME/.cache/fraudops}/kafka-$KAFKA_VERSION/libs"

# Resolves the broker, the tools (perf tests) and a log binding with their dependencies into the cache.
kafka_install() {
  [ -f "$KAFKA_LIBS/.complete" ] && return 0
  command -v java >/dev/null || { log "java not found (Kafka needs Java 17+)"; return 1; }
  if ! command -v mvn >/dev/null; then
    log "installing Maven from Debian packages"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >&2
  fi
  local tmp; tmp="$(mktemp -d)"
  cat > "$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>fraudops</groupId><artifactId>kafka-service</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
POM
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS"; mkdir -p "$KAFKA_LIBS"
  if ! (cd "$tmp" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime >&2); then
    rm -rf "$tmp"; log "could not fetch the Kafka jars"; return 1
  fi
  rm -rf "$tmp"
  touch "$KAFKA_LIBS/.complete"
}

kafka_java() {
  java -Xms128m -Xmx"${FRAUDOPS_KAFKA_HEAP:-768m}" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -cp "$KAFKA_LIBS/*" "$@"
}

# CA, broker key and certificate (SAN 127.0.0.1 and localhost), PKCS12 keystore for the broker.
kafka_tls() {
  [ -f "$KAFKA_TLS/broker.p12" ] && return 0
  mkdir -p "$KAFKA_TLS"; chmod 700 "$KAFKA_TLS"
  local pass; pass="$(openssl rand -hex 16)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=fraudops test CA" \
    -keyout "$KAFKA_TLS/ca.key" -out "$KAFKA_TLS/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$KAFKA_TLS/broker.key" -out "$KAFKA_TLS/broker.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$KAFKA_TLS/broker.ext"
  openssl x509 -req -in "$KAFKA_TLS/broker.csr" -CA "$KAFKA_TLS/ca.crt" -CAkey "$KAFKA_TLS/ca.key" -CAcreateserial \
    -days 3650 -extfile "$KAFKA_TLS/broker.ext" -out "$KAFKA_TLS/broker.crt" 2>/dev/null
  openssl pkcs12 -export -in "$KAFKA_TLS/broker.crt" -inkey "$KAFKA_TLS/broker.key" -certfile "$KAFKA_TLS/ca.crt" \
    -name broker -passout "pass:$pass" -out "$KAFKA_TLS/broker.p12"
  # The truststore holds the CA only; Java clients (perf tools) use it.
  rm -f "$KAFKA_TLS/truststore.p12"
  keytool -importcert -noprompt -alias ca -file "$KAFKA_TLS/ca.crt" -keystore "$KAFKA_TLS/truststore.p12" \
    -storetype PKCS12 -storepass "$pass" >/dev/null 2>&1
  printf '%s' "$pass" > "$KAFKA_TLS/store.password"
  chmod 600 "$KAFKA_TLS"/*
}

kafka_config() {
  local pass; pass="$(cat "$KAFKA_TLS/store.password")"
  cat > "$KAFKA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$KAFKA_TLS/broker.p12
ssl.keystore.password=$pass
ssl.key.password=$pass
log.dirs=$KAFKA_DIR/data
num.partitions=6
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.bytes=268435456
PROPS
  chmod 600 "$KAFKA_DIR/server.properties"
  cat > "$KAFKA_DIR/log4j2.properties" <<'LOG'
rootLogger.level=WARN
rootLogger.appenderRef.out.ref=out
appender.out.type=Console
appender.out.name=out
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.server.name=kafka.server.KafkaRaftServer
logger.server.level=INFO
LOG
}

kafka_up() {
  if pid_alive kafka && port_open 127.0.0.1 "$KAFKA_PORT"; then
    log "kafka already up on 127.0.0.1:$KAFKA_PORT"; return 0
  fi
  if port_open 127.0.0.1 "$KAFKA_PORT"; then
    log "port $KAFKA_PORT is taken by a process we did not start; stop it or set FRAUDOPS_KAFKA_PORT"; return 1
  fi
  kafka_install
  mkdir -p "$KAFKA_DIR"; chmod 700 "$KAFKA_DIR"
  kafka_tls
  kafka_config
  if [ ! -f "$KAFKA_DIR/scram.password" ]; then
    (umask 077; openssl rand -hex 24 > "$KAFKA_DIR/scram.password")
  fi
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    log "formatting KRaft storage in $KAFKA_DIR/data (with the SCRAM user $KAFKA_USER)"
    kafka_java kafka.tools.StorageTool format --config "$KAFKA_DIR/server.properties" \
      --cluster-id "$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
      --add-scram "SCRAM-SHA-512=[name=$KAFKA_USER,password=$(cat "$KAFKA_DIR/scram.password")]" \
      >>"$KAFKA_LOG" 2>&1 || { log "formatting failed; see $KAFKA_LOG"; return 1; }
  fi
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (SASL_SSL :$KAFKA_SASL_PORT)"
  nohup java -Xms256m -Xmx"${FRAUDOPS_KAFKA_HEAP:-768m}" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -cp "$KAFKA_LIBS/*" \
    kafka.Kafka "$KAFKA_DIR/server.properties" >>"$KAFKA_LOG" 2>&1 </dev/null &
  echo $! > "$STATE/run/kafka.pid"
  if ! wait_port 127.0.0.1 "$KAFKA_PORT" 120 || ! wait_port 127.0.0.1 "$KAFKA_SASL_PORT" 30; then
    log "kafka did not come up; see $KAFKA_LOG"; pid_stop kafka; return 1
  fi
}

kafka_down() {
  pid_alive kafka || { rm -f "$STATE/run/kafka.pid"; return 0; }
  local pid; pid="$(cat "$STATE/run/kafka.pid")"
  kill "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  rm -f "$STATE/run/kafka.pid"
}

kafka_status() {
  if pid_alive kafka && port_open 127.0.0.1 "$KAFKA_PORT"; then
    echo "up 127.0.0.1:$KAFKA_PORT sasl_ssl 127.0.0.1:$KAFKA_SASL_PORT (pid $(cat "$STATE/run/kafka.pid"))"
  else
    echo down
  fi
}

# Only paths to the secrets, never the secrets.
kafka_env() {
  echo "export FRAUDOPS_TEST_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  echo "export FRAUDOPS_TEST_KAFKA_SASL_BROKERS=127.0.0.1:$KAFKA_SASL_PORT"
  echo "export FRAUDOPS_TEST_KAFKA_CA=$KAFKA_TLS/ca.crt"
  echo "export FRAUDOPS_TEST_KAFKA_USERNAME=$KAFKA_USER"
  echo "export FRAUDOPS_TEST_KAFKA_PASSWORD_FILE=$KAFKA_DIR/scram.password"
  echo "export FRAUDOPS_TEST_KAFKA_LIBS=$KAFKA_LIBS"
  echo "export FRAUDOPS_TEST_KAFKA_PID_FILE=$STATE/run/kafka.pid"
}
