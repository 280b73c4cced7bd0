import time

time.sleep(60)  # never prints a port
