/* The floor of `podvisor check`: libyaml's own parse of the same bytes.
 * Reads every *.yaml / *.yml file below DIR and pulls all of libyaml's
 * events out of each, deleting them as it goes; builds nothing.
 *   yaml_parse DIR
 * Prints nothing on success; a problem goes to stderr, exit status 1. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

static int is_yaml(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0);
}

/* The whole file in a malloc'd buffer; NULL with errno on failure. */
static unsigned char *read_file(int dirfd, const char *name, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	unsigned char *buf = NULL;
	struct stat st;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !(buf = malloc((size_t)st.st_size + 1)))
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

static int parse(const char *path, const unsigned char *buf, size_t len)
{
	yaml_parser_t p;
	int rc = 0;

	if (!yaml_parser_initialize(&p)) {
		fprintf(stderr, "yaml_parse: %s: out of memory\n", path);
		return -1;
	}
	yaml_parser_set_input_string(&p, buf, len);
	for (;;) {
		yaml_event_t ev;
		int end;

		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "yaml_parse: %s:%zu:%zu: %s\n", path, p.problem_mark.line + 1,
				p.problem_mark.column + 1, p.problem ? p.problem : "error");
			rc = -1;
			break;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	yaml_parser_delete(&p);
	return rc;
}

static int walk(int fd, const char *path)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "yaml_parse: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	while ((e = readdir(d))) {
		char sub[4096];
		unsigned char *buf;
		size_t len = 0;
		struct stat st;
		int sfd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR || (e->d_type == DT_UNKNOWN &&
					       fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
					       S_ISDIR(st.st_mode))) {
			sfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sfd < 0 || walk(sfd, sub) < 0)
				rc = -1;
			continue;
		}
		if (!is_yaml(e->d_name))
			continue;
		buf = read_file(dirfd(d), e->d_name, &len);
		if (!buf) {
			fprintf(stderr, "yaml_parse: %s: %s\n", sub, strerror(errno));
			rc = -1;
			continue;
		}
		if (parse(sub, buf, len) < 0)
			rc = -1;
		free(buf);
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: yaml_parse DIR\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "yaml_parse: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return walk(fd, argv[1]) < 0 ? 1 : 0;
}
