#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/socket.h>
#include <string.h>
#include <pthread.h>
#include "CSystemShims.h"

const void *if_memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen) {
    return memmem(haystack, haystacklen, needle, needlelen);
}

size_t if_count_lines_containing(const uint8_t *hay, size_t len, const uint8_t *needle, size_t nlen) {
    size_t count = 0;
    const uint8_t *p = hay, *end = hay + len;
    while (p < end) {
        const uint8_t *m = memmem(p, (size_t)(end - p), needle, nlen);
        if (!m) break;
        count++;
        const uint8_t *nl = memchr(m + nlen, '\n', (size_t)(end - (m + nlen)));
        if (!nl) break;
        p = nl + 1;
    }
    return count;
}

const void *if_memrchr(const void *s, int c, size_t n) {
    return memrchr(s, c, n);
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

size_t if_printable_ascii_prefix(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t nonascii = w & HIGHS;
        uint64_t below = (w - ONES * 0x20) & ~w & HIGHS;          /* some byte < 0x20 */
        uint64_t x = w ^ (ONES * 0x7F);
        uint64_t del = (x - ONES) & ~x & HIGHS;                   /* some byte == 0x7F */
        if (nonascii | below | del) break;                        /* exact position found below */
        i += 8;
    }
    for (; i < n; i++) {
        uint8_t b = p[i];
        if ((b < 0x20 && b != 0x09) || b >= 0x7F) return i;
    }
    return n;
}

void if_ascii_lower(uint8_t *dst, const uint8_t *src, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint8_t b = src[i];
        dst[i] = (uint8_t)(b + (((uint8_t)(b - 'A') < 26) << 5));
    }
}

/* Trigram prefilter: 5-bit classes per byte (letters folded, '*', '-', '.'), a 2^15-bit set of wanted trigrams.
   On x86-64 with SSSE3 a Teddy-style nibble filter (pshufb) finds candidate positions 16 bytes at a time and
   only those are checked against the exact set; elsewhere every position is checked. */
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static uint8_t trigram_class[256];
static uint64_t trigram_set[(1u << 15) / 64];
static struct { const char *text; uint32_t family; uint8_t bucket; } const trigram_words[] = {
    {"err", IF_LOG_ERR, 0}, {"arn", IF_LOG_WARN, 1}, {"fai", IF_LOG_FAIL, 2}, {"fat", IF_LOG_FATAL, 2},
    {"pan", IF_LOG_PANIC, 3}, {"gor", IF_LOG_GOROUTINE, 3}, {"ceb", IF_LOG_TRACEBACK, 4}, {"eca", IF_LOG_DEPRECAT, 4},
    {"xce", IF_LOG_EXCEPTION, 4}, {"fou", IF_LOG_NOTFOUND, 5}, {"uch", IF_LOG_NOSUCH, 5}, {"ump", IF_LOG_COREDUMP, 5},
    {"***", IF_LOG_STARS, 6}, {"n-z", IF_LOG_NONZERO, 6}, {"gme", IF_LOG_SEGFAULT, 6}, {"vel", IF_LOG_LEVELKEY, 7},
    {"sev", IF_LOG_LEVELKEY, 7}, {"lvl", IF_LOG_LEVELKEY, 7}, {"cri", IF_LOG_CRITICAL, 7}, {".go", IF_LOG_GOFILE, 6},
};
#define TRIGRAM_COUNT (sizeof(trigram_words) / sizeof(trigram_words[0]))
static uint32_t trigram_codes[TRIGRAM_COUNT];
/* Teddy tables: for each of the 3 trigram positions, bucket bits by low and by high nibble. */
static uint8_t teddy_low[3][16], teddy_high[3][16];
static int teddy_usable;
static pthread_once_t trigram_once = PTHREAD_ONCE_INIT;

static void trigram_init(void) {
    for (int c = 'a'; c <= 'z'; c++) {
        trigram_class[c] = (uint8_t)(c - 'a' + 1);
        trigram_class[c - 32] = (uint8_t)(c - 'a' + 1);
    }
    trigram_class['*'] = 27;
    trigram_class['-'] = 28;
    trigram_class['.'] = 29;
    for (size_t k = 0; k < TRIGRAM_COUNT; k++) {
        const uint8_t *t = (const uint8_t *)trigram_words[k].text;
        uint32_t code = ((uint32_t)trigram_class[t[0]] << 10) | ((uint32_t)trigram_class[t[1]] << 5) | trigram_class[t[2]];
        trigram_codes[k] = code;
        trigram_set[code >> 6] |= UINT64_C(1) << (code & 63);
        uint8_t bit = (uint8_t)(1u << trigram_words[k].bucket);
        for (int pos = 0; pos < 3; pos++) {
            uint8_t b = t[pos];
            teddy_low[pos][b & 15] |= bit;
            teddy_high[pos][b >> 4] |= bit;
            if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') teddy_high[pos][(b ^ 0x20) >> 4] |= bit; /* other case */
        }
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    teddy_usable = __builtin_cpu_supports("ssse3");
#endif
}

static inline uint32_t trigram_family_at(const uint8_t *q) {
    uint32_t code = ((uint32_t)trigram_class[q[0]] << 10) | ((uint32_t)trigram_class[q[1]] << 5) | trigram_class[q[2]];
    if (!((trigram_set[code >> 6] >> (code & 63)) & 1)) return 0;
    uint32_t found = 0;
    for (size_t k = 0; k < TRIGRAM_COUNT; k++)
        if (trigram_codes[k] == code) found |= trigram_words[k].family;
    return found;
}

static uint32_t trigram_scan_scalar(const uint8_t *p, size_t n) {
    pthread_once(&trigram_once, trigram_init);
    uint32_t c0 = 0, c1 = 0, found = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c2 = trigram_class[p[i]];
        uint32_t code = (c0 << 10) | (c1 << 5) | c2;
        if ((trigram_set[code >> 6] >> (code & 63)) & 1) found |= trigram_family_at(p + i - 2);
        c0 = c1;
        c1 = c2;
    }
    return found;
}

#if defined(__x86_64__)
__attribute__((target("ssse3")))
static inline __m128i teddy_match(const uint8_t *q, __m128i low0, __m128i high0, __m128i low1, __m128i high1,
                                  __m128i low2, __m128i high2) {
    const __m128i nibble = _mm_set1_epi8(0x0F);
    __m128i v0 = _mm_loadu_si128((const __m128i *)q);
    __m128i v1 = _mm_loadu_si128((const __m128i *)(q + 1));
    __m128i v2 = _mm_loadu_si128((const __m128i *)(q + 2));
    __m128i m0 = _mm_and_si128(_mm_shuffle_epi8(low0, _mm_and_si128(v0, nibble)),
                               _mm_shuffle_epi8(high0, _mm_and_si128(_mm_srli_epi16(v0, 4), nibble)));
    __m128i m1 = _mm_and_si128(_mm_shuffle_epi8(low1, _mm_and_si128(v1, nibble)),
                               _mm_shuffle_epi8(high1, _mm_and_si128(_mm_srli_epi16(v1, 4), nibble)));
    __m128i m2 = _mm_and_si128(_mm_shuffle_epi8(low2, _mm_and_si128(v2, nibble)),
                               _mm_shuffle_epi8(high2, _mm_and_si128(_mm_srli_epi16(v2, 4), nibble)));
    return _mm_and_si128(_mm_and_si128(m0, m1), m2);
}

__attribute__((target("ssse3")))
static uint32_t trigram_scan_teddy(const uint8_t *p, size_t n) {
    const __m128i low0 = _mm_loadu_si128((const __m128i *)teddy_low[0]);
    const __m128i high0 = _mm_loadu_si128((const __m128i *)teddy_high[0]);
    const __m128i low1 = _mm_loadu_si128((const __m128i *)teddy_low[1]);
    const __m128i high1 = _mm_loadu_si128((const __m128i *)teddy_high[1]);
    const __m128i low2 = _mm_loadu_si128((const __m128i *)teddy_low[2]);
    const __m128i high2 = _mm_loadu_si128((const __m128i *)teddy_high[2]);
    const __m128i zero = _mm_setzero_si128();
    uint32_t found = 0;
    size_t i = 0;
    /* Whole blocks: 16 trigram starts, reading 18 bytes. */
    for (; i + 18 <= n; i += 16) {
        __m128i m = teddy_match(p + i, low0, high0, low1, high1, low2, high2);
        unsigned candidates = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(m, zero)) ^ 0xFFFFu;
        while (candidates) {
            unsigned j = (unsigned)__builtin_ctz(candidates);
            found |= trigram_family_at(p + i + j);
            candidates &= candidates - 1;
        }
    }
    /* The rest, zero-padded: NUL matches no trigram. */
    if (i + 2 < n) {
        uint8_t tail[48] = {0};
        memcpy(tail, p + i, n - i);
        for (size_t t = 0; t + 2 < n - i; t += 16) {
            __m128i m = teddy_match(tail + t, low0, high0, low1, high1, low2, high2);
            unsigned candidates = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(m, zero)) ^ 0xFFFFu;
            while (candidates) {
                unsigned j = (unsigned)__builtin_ctz(candidates);
                found |= trigram_family_at(tail + t + j);
                candidates &= candidates - 1;
            }
        }
    }
    return found;
}
#endif

uint32_t if_log_level_triggers_portable(const uint8_t *p, size_t n) {
    return trigram_scan_scalar(p, n);
}

uint32_t if_log_level_triggers(const uint8_t *p, size_t n) {
    pthread_once(&trigram_once, trigram_init);
#if defined(__x86_64__)
    if (teddy_usable) return trigram_scan_teddy(p, n);
#endif
    return trigram_scan_scalar(p, n);
}

int if_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0); }

int if_peer_credentials(int fd, uint32_t *uid, uint32_t *gid, int32_t *pid) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *uid = cred.uid;
    *gid = cred.gid;
    *pid = cred.pid;
    return 0;
}
