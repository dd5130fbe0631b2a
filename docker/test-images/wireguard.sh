# A WireGuard stand-in: like wireguard-go, it reads LOG_LEVEL once, when it starts.
echo "wireguard: started with LOG_LEVEL=${LOG_LEVEL:-unset}"
trap 'exit 0' TERM INT
while true; do
    sleep 1 &
    wait $!
done
