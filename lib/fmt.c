/*
 * Owns the engine's formatter (fmt.h). Async-signal-safe: no locale, no
 * allocation, no errno.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>

#include "fmt.h"

struct out {
	char *buf;
	size_t n;	/* capacity, including the NUL */
	size_t len;	/* what the whole output would take */
};

static void
put(struct out *o, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++, o->len++)
		if (o->len + 1 < o->n)
			o->buf[o->len] = s[i];
}

static void
put_num(struct out *o, unsigned long long v, unsigned int base, bool neg)
{
	char digits[sizeof(v) * CHAR_BIT / 3 + 2];
	size_t i = sizeof(digits);

	do {
		digits[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		digits[--i] = '-';
	put(o, digits + i, sizeof(digits) - i);
}

int
rp_fmt_vprint(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = { buf, n, 0 };

	while (*fmt) {
		const char *start = fmt;
		size_t prec = (size_t) -1;
		int lng = 0;	/* 0 int, 1 long, 2 long long, 3 size_t */
		unsigned long long u;
		long long s;
		const char *str;
		char c;

		if (*fmt != '%') {
			while (*fmt && *fmt != '%')
				fmt++;
			put(&o, start, (size_t) (fmt - start));
			continue;
		}
		fmt++;
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				int p = va_arg(ap, int);

				prec = p < 0 ? (size_t) -1 : (size_t) p;
				fmt++;
			} else {
				prec = 0;
				for (; *fmt >= '0' && *fmt <= '9'; fmt++)
					prec = prec * 10 +
					       (size_t) (*fmt - '0');
			}
		}
		if (*fmt == 'z') {
			lng = 3;
			fmt++;
		} else {
			for (; *fmt == 'l' && lng < 2; fmt++)
				lng++;
		}
		switch (*fmt) {
		case '%':
			put(&o, "%", 1);
			break;
		case 'c':
			c = (char) va_arg(ap, int);
			put(&o, &c, 1);
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			for (u = 0; u < prec && str[u]; u++)
				;
			put(&o, str, (size_t) u);
			break;
		case 'd':
			s = lng == 0 ? va_arg(ap, int)
			  : lng == 1 ? va_arg(ap, long)
			  : lng == 2 ? va_arg(ap, long long)
			  : (long long) va_arg(ap, size_t);
			/* -(s + 1) + 1: LLONG_MIN has no positive twin. */
			put_num(&o, s < 0 ? (unsigned long long) -(s + 1) + 1
				: (unsigned long long) s, 10, s < 0);
			break;
		case 'u':
		case 'x':
			u = lng == 0 ? va_arg(ap, unsigned int)
			  : lng == 1 ? va_arg(ap, unsigned long)
			  : lng == 2 ? va_arg(ap, unsigned long long)
			  : va_arg(ap, size_t);
			put_num(&o, u, *fmt == 'x' ? 16 : 10, false);
			break;
		default:
			/* Unsupported: copied through, nothing consumed. */
			if (!*fmt)
				fmt--;
			put(&o, start, (size_t) (fmt + 1 - start));
			break;
		}
		fmt++;
	}
	if (o.n)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return o.len > INT_MAX ? INT_MAX : (int) o.len;
}

int
rp_fmt_print(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = rp_fmt_vprint(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
