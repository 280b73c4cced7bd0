# shellcheck shell=sh disable=SC1091  # the hooks exist only inside the build container
# Run by /bin/sh inside a build container from the Debian base (tools/docker/images.sh); the stage
# is mounted read-only at /mnt: root/ (the recipe's files), packages, and optional pre.sh, setup.sh.
export DEBIAN_FRONTEND=noninteractive
cp -a /mnt/root/. /
if [ -f /mnt/pre.sh ]; then . /mnt/pre.sh; fi
if [ -s /mnt/packages ]; then
  apt-get update -qq
  # --force-confold: a config file the recipe laid down first (root/etc/...) wins over the package's.
  # shellcheck disable=SC2046  # one package a word
  apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold $(cat /mnt/packages) >/dev/null
fi
if [ -f /mnt/setup.sh ]; then . /mnt/setup.sh; fi
apt-get clean
# busybox-static is in the base only for the busybox stand-ins: the official images of these
# services have no busybox, and a probe must not pass here on a tool they lack.
rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/* /var/log/* /usr/bin/busybox
