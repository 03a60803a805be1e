/* The node's devices in a privileged container's /dev, as containerd's
 * WithDevices(HostDevices) and runc give them: every character and block
 * device under the host's /dev (sub-directories too, but not pts, shm,
 * fd, mqueue, nor console), made with mknod at the same path, mode and
 * owner (bind-mounted from the host when mknod is refused), skipping
 * what the container's /dev has already (null, zero, tty, ptmx...) and
 * what cannot be made. Runs in the container's child, after its /dev is
 * mounted and before it enters its root.
 *
 * May call: common. */
#ifndef PV_SUPERVISOR_DEVICES_H
#define PV_SUPERVISOR_DEVICES_H

/* Make the devices of HOST_DEV (normally "/dev") in DEV (the container's
 * /dev, seen from outside its root). Returns how many were made. */
int pv_devices_host(const char *host_dev, const char *dev);

#endif
