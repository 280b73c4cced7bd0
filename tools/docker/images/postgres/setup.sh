# shellcheck shell=sh
# As the image: clusters listen on every interface of the container unless told otherwise.
sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" /usr/share/postgresql/15/postgresql.conf.sample
grep -qF "listen_addresses = '*'" /usr/share/postgresql/15/postgresql.conf.sample
mkdir -p /docker-entrypoint-initdb.d
install -d -o postgres -g postgres -m 3777 /var/run/postgresql
install -d -o postgres -g postgres -m 1777 /var/lib/postgresql/data
# JIT (LLVM, a third of the image) is optional: without its provider library PostgreSQL runs every
# query interpreted, as with jit=off.
rm -rf /usr/lib/postgresql/15/lib/llvmjit* /usr/lib/postgresql/15/lib/bitcode /usr/lib/x86_64-linux-gnu/libLLVM-*
