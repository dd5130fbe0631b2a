# A docker-mailserver stand-in: it reads LOG_LEVEL once, when it starts.
echo "mailserver: started with LOG_LEVEL=${LOG_LEVEL:-unset}"
trap 'exit 0' TERM INT
while true; do
    sleep 1 &
    wait $!
done
