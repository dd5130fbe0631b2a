# A CoreDNS stand-in: like CoreDNS, SIGUSR1 makes it re-read its Corefile in place.
load() {
    directives=$(grep -oE '^[[:space:]]*(errors|log|debug)([[:space:]].*)?$' /etc/coredns/Corefile | tr -s ' \t' ' ' | sed 's/^ //' | tr '\n' ';')
    echo "coredns: $1 Corefile: $directives"
}
trap 'load reloaded' USR1
trap 'exit 0' TERM INT
load loaded
while true; do
    sleep 1 &
    wait $!
done
