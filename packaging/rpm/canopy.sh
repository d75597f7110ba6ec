#!/bin/sh
# canopy: the Canopy CLI and broker (installed by the canopy RPM). The jar sits in
# ../share/canopy relative to this script, so an installation under another root works as well.
here=$(dirname "$(readlink -f "$0")")
jar="$here/../share/canopy/canopy.jar"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if [ -x /usr/lib/jvm/jre-17/bin/java ] && [ -z "$JAVA_HOME" ]; then
    java=/usr/lib/jvm/jre-17/bin/java
fi
opts="--add-opens=java.base/sun.nio.fs=ALL-UNNAMED -XX:+UseSerialGC"
if [ "$1" != broker ]; then
    # a client lives for a moment: the quick compiler is all it needs
    opts="$opts -XX:TieredStopAtLevel=1"
fi
# shellcheck disable=SC2086
exec "$java" $opts ${CANOPY_JAVA_OPTS:-} -jar "$jar" "$@"
