#!/bin/sh
# As the seaweedfs image's /entrypoint.sh: each server role gets the image's defaults (data in /data,
# no volume count limit, preallocation, 1 GiB volumes) BEFORE the container's own arguments, which
# therefore win (weed's flags take the last value given); -volume.max given drops the default one.
passed() {
  flag=$1
  shift
  for arg in "$@"; do
    case $arg in "$flag" | "$flag"=*) return 0 ;; esac
  done
  return 1
}
[ "$#" -gt 0 ] || exec /usr/bin/weed
role=$1
shift
case $role in
  master) exec /usr/bin/weed master -mdir=/data -volumePreallocate -volumeSizeLimitMB=1024 "$@" ;;
  volume)
    if passed -max "$@"; then exec /usr/bin/weed volume -dir=/data "$@"; fi
    exec /usr/bin/weed volume -dir=/data -max=0 "$@"
    ;;
  server)
    if passed -volume.max "$@"; then
      exec /usr/bin/weed server -dir=/data -master.volumePreallocate -master.volumeSizeLimitMB=1024 "$@"
    fi
    exec /usr/bin/weed server -dir=/data -volume.max=0 -master.volumePreallocate -master.volumeSizeLimitMB=1024 "$@"
    ;;
  filer) exec /usr/bin/weed filer "$@" ;;
  s3) exec /usr/bin/weed s3 -domainName="$S3_DOMAIN_NAME" -key.file="$S3_KEY_FILE" -cert.file="$S3_CERT_FILE" "$@" ;;
  *) exec /usr/bin/weed "$role" "$@" ;;
esac
