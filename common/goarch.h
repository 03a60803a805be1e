/* The architecture this binary is built for, in Go's names (GOARCH), as
 * Kubernetes and OCI images name it: what the kubelet reports
 * (runtime.GOARCH), not uname's machine, so an armhf build on an arm64
 * kernel (Raspberry Pi OS's default) is arm, and runs arm images.
 * "unknown" for a compiler target that is none of these. One place for
 * the node's kubernetes.io/arch, the image chosen from an index, and
 * podvisor version's platform. */
#ifndef PV_COMMON_GOARCH_H
#define PV_COMMON_GOARCH_H

#if defined(__x86_64__)
#define PV_GOARCH "amd64"
#elif defined(__aarch64__)
#define PV_GOARCH "arm64"
#elif defined(__arm__)
#define PV_GOARCH "arm"
#elif defined(__i386__)
#define PV_GOARCH "386"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PV_GOARCH "ppc64le"
#elif defined(__s390x__)
#define PV_GOARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define PV_GOARCH "riscv64"
#elif defined(__loongarch64)
#define PV_GOARCH "loong64"
#else
#define PV_GOARCH "unknown"
#endif

#endif
