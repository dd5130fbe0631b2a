# A docker-mailserver stand-in: it reads LOG_LEVEL once, when it starts, and will
# not start with a value it does not know.
case "${LOG_LEVEL:-info}" in
    trace|debug|info|warn|error) ;;
    *) echo "mailserver: unknown LOG_LEVEL=${LOG_LEVEL}" >&2; exit 1 ;;
esac
echo "mailserver: started with LOG_LEVEL=${LOG_LEVEL:-unset}"
trap 'exit 0' TERM INT
while true; do
    sleep 1 &
    wait $!
done
