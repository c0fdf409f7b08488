#include "formats/torch_zip_archive.h"

#include <zip.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "vivid/vivid.h"

namespace vivid {

// A libzip source over the mapped file that remembers where its last read started. libzip 1.7
// has no API for a member's data offset; reading the first bytes of a stored member through
// libzip and noting where they came from gives it, and we then check those bytes against the
// mapping before handing out a zero-copy view (else we fall back to a copy).
struct TorchZipArchive::MemorySource {
    const std::byte* data = nullptr;
    uint64_t size = 0;
    uint64_t pos = 0;
    uint64_t last_read_start = 0;
    uint64_t last_read_length = 0;
    zip_error_t error{};

    MemorySource() { zip_error_init(&error); }
    ~MemorySource() { zip_error_fini(&error); }

    static zip_int64_t callback(void* user, void* out, zip_uint64_t len, zip_source_cmd_t cmd) {
        auto* self = static_cast<MemorySource*>(user);
        switch (cmd) {
            case ZIP_SOURCE_OPEN: self->pos = 0; return 0;
            case ZIP_SOURCE_READ: {
                const uint64_t n = std::min<uint64_t>(len, self->size - self->pos);
                if (n) std::memcpy(out, self->data + self->pos, n);
                self->last_read_start = self->pos;
                self->last_read_length = n;
                self->pos += n;
                return static_cast<zip_int64_t>(n);
            }
            case ZIP_SOURCE_CLOSE: return 0;
            case ZIP_SOURCE_STAT: {
                auto* st = static_cast<zip_stat_t*>(out);
                zip_stat_init(st);
                st->size = self->size;
                st->valid |= ZIP_STAT_SIZE;
                return sizeof(zip_stat_t);
            }
            case ZIP_SOURCE_ERROR: return zip_error_to_data(&self->error, out, len);
            case ZIP_SOURCE_FREE: return 0;  // owned by TorchZipArchive
            case ZIP_SOURCE_SEEK: {
                const zip_int64_t p =
                    zip_source_seek_compute_offset(self->pos, self->size, out, len, &self->error);
                if (p < 0) return -1;
                self->pos = static_cast<uint64_t>(p);
                return 0;
            }
            case ZIP_SOURCE_TELL: return static_cast<zip_int64_t>(self->pos);
            case ZIP_SOURCE_SUPPORTS:
                return zip_source_make_command_bitmap(
                    ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                    ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL,
                    ZIP_SOURCE_SUPPORTS, -1);
            default:
                zip_error_set(&self->error, ZIP_ER_OPNOTSUPP, 0);
                return -1;
        }
    }
};

namespace {

std::string zip_message(zip_error_t* error) {
    std::string m = zip_error_strerror(error);
    zip_error_fini(error);
    return m;
}

}  // namespace

TorchZipArchive::TorchZipArchive(std::string path, std::shared_ptr<Storage> file)
    : path_(std::move(path)), file_(std::move(file)), source_(std::make_unique<MemorySource>()) {
    source_->data = file_->data();
    source_->size = file_->size();
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* src = zip_source_function_create(&MemorySource::callback, source_.get(), &error);
    if (!src) fail("cannot read zip: " + zip_message(&error));
    archive_.reset(zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &error));
    if (!archive_) {
        zip_source_free(src);
        fail("truncated or corrupt zip archive (" + zip_message(&error) + ")");
    }
    zip_error_fini(&error);

    const zip_int64_t count = zip_get_num_entries(archive_.get(), 0);
    for (zip_int64_t i = 0; i < count; ++i) {
        const char* name = zip_get_name(archive_.get(), static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
        if (!name) fail("unreadable zip entry name");
        const std::string_view n(name);
        // Nothing is ever extracted, but a name that climbs out of the archive folder is a sign
        // of a crafted file, not of torch.save: refuse it rather than guess what it meant.
        if (n.starts_with('/') || n == ".." || n.starts_with("../") || n.find("/../") != std::string_view::npos ||
            n.ends_with("/.."))
            fail("zip entry '" + std::string(n) + "' points outside the archive folder; not a torch.save archive");
        const std::size_t slash = n.find('/');
        if (slash == std::string_view::npos || slash == 0)
            fail("zip entry '" + std::string(n) + "' is outside a top folder; not a torch.save archive");
        const std::string_view top = n.substr(0, slash);
        if (stem_.empty()) stem_ = top;
        else if (top != stem_)
            fail("zip has more than one top folder ('" + stem_ + "', '" + std::string(top) +
                 "'); not a torch.save archive");
    }
    if (stem_.empty()) fail("zip archive is empty; not a torch.save archive");
    check_sizes_fit_the_file();
}

// In an honest zip no two members share bytes, so their local headers and compressed data fit
// in the file together. Members that overlap (a local header nested inside another member's
// data: the quoted-overlap bomb) inflate the same bytes over and over; refuse them before any
// member is read.
void TorchZipArchive::check_sizes_fit_the_file() {
    const zip_int64_t count = zip_get_num_entries(archive_.get(), 0);
    uint64_t total = 0;
    for (zip_int64_t i = 0; i < count; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(archive_.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 ||
            (st.valid & ZIP_STAT_COMP_SIZE) == 0 || (st.valid & ZIP_STAT_NAME) == 0)
            fail("cannot read the sizes of zip entry " + std::to_string(i));
        constexpr uint64_t kLocalHeader = 30;  // the fixed part; the name follows
        const uint64_t size = file_->size();
        const uint64_t name_length = std::strlen(st.name);
        if (st.comp_size > size || total + kLocalHeader + name_length + st.comp_size > size)
            fail("zip members overlap: with '" + std::string(st.name) +
                 "' their local headers and compressed data need more than the file's " +
                 std::to_string(size) + " bytes; not a torch.save archive");
        total += kLocalHeader + name_length + st.comp_size;
    }
}

// Compressed members together may inflate to 256 MiB (room for a large data.pkl) plus 32x the
// archive's size. torch.save never compresses; a re-zipped checkpoint of trained weights
// shrinks by a few percent (about 2x at most, for bf16), so only a bomb gets near the bound
// (DEFLATE reaches ~1032x).
uint64_t TorchZipArchive::inflate_budget_left() const {
    const uint64_t budget = (uint64_t{256} << 20) + 32 * static_cast<uint64_t>(file_->size());
    return inflated_ < budget ? budget - inflated_ : 0;
}

TorchZipArchive::~TorchZipArchive() = default;

void TorchZipArchive::Discard::operator()(zip* archive) const { zip_discard(archive); }

void TorchZipArchive::fail(const std::string& problem) const { throw Error(path_, problem); }

std::optional<ZipMemberBytes> TorchZipArchive::member(const std::string& name,
                                                     const ZipMemberBound& bound) {
    const std::string full = stem_ + "/" + name;
    const zip_int64_t index = zip_name_locate(archive_.get(), full.c_str(), ZIP_FL_ENC_RAW);
    if (index < 0) return std::nullopt;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive_.get(), static_cast<zip_uint64_t>(index), 0, &st) != 0)
        fail("cannot stat zip member " + full + ": " + zip_strerror(archive_.get()));
    if ((st.valid & ZIP_STAT_SIZE) == 0 || (st.valid & ZIP_STAT_COMP_METHOD) == 0 ||
        (st.valid & ZIP_STAT_COMP_SIZE) == 0)
        fail("zip member " + full + " has no size");
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        fail("zip member " + full + " is encrypted");
    const bool stored = st.comp_method == ZIP_CM_STORE;
    if (st.size > file_->size() && stored)
        fail("zip member " + full + " is larger than the file (truncated zip)");
    if (stored && st.size != st.comp_size)
        fail("zip member " + full + " is stored uncompressed but declares " + std::to_string(st.size) +
             " bytes and " + std::to_string(st.comp_size) + " compressed");
    // Deflate cannot expand more than ~1032x; a bigger claim is a lie meant to exhaust memory.
    if (!stored && (st.comp_size > file_->size() || st.size > st.comp_size * 1100 + 4096))
        fail("zip member " + full + " claims an implausible uncompressed size");
    if (st.size > bound.bytes)
        fail("zip member " + full + " declares " + std::to_string(st.size) + " bytes, over its bound of " +
             std::to_string(bound.bytes) + " bytes (" + bound.why + ")");
    if (!stored && st.size > inflate_budget_left())
        fail("zip member " + full + " declares " + std::to_string(st.size) +
             " bytes, over the " + std::to_string(inflate_budget_left()) +
             " bytes left of the archive's inflation budget (256 MiB plus 32x the file's size)");
    return read_member(full, index, static_cast<std::size_t>(st.size), stored);
}

ZipMemberBytes TorchZipArchive::read_member(const std::string& name, int64_t index,
                                            std::size_t size, bool stored) {
    zip_file_t* f = zip_fopen_index(archive_.get(), static_cast<zip_uint64_t>(index), 0);
    if (!f) fail("cannot open zip member " + name + ": " + zip_strerror(archive_.get()));
    struct Closer {
        zip_file_t* f;
        ~Closer() { zip_fclose(f); }
    } closer{f};

    std::byte probe[64];
    const std::size_t probe_size = std::min(size, sizeof probe);
    if (stored && size > 0) {
        // Read the first bytes through libzip and see where in the mapping they came from.
        const zip_int64_t got = zip_fread(f, probe, probe_size);
        if (got != static_cast<zip_int64_t>(probe_size))
            fail("truncated zip member " + name + ": " + zip_file_strerror(f));
        const uint64_t start = source_->last_read_start;
        if (source_->last_read_length == probe_size && start <= file_->size() &&
            size <= file_->size() - start &&
            std::memcmp(file_->data() + start, probe, probe_size) == 0)
            return {file_, static_cast<std::size_t>(start), size};
        return inflate_member(name, f, size, {probe, probe_size});
    }
    return inflate_member(name, f, size, {});
}

// Compressed (or not locatable): into an owned buffer of the declared size, which member()
// has already held to its bounds, a chunk at a time. The stream must end exactly there: one
// byte more is refused at once, so a member whose headers under-declare it is never inflated
// to its real size, and reading to the end lets libzip check the CRC.
ZipMemberBytes TorchZipArchive::inflate_member(const std::string& name, zip_file_t* f,
                                               std::size_t size,
                                               std::span<const std::byte> already_read) {
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    auto buffer = allocate_uninitialized_storage(size);
    if (!already_read.empty()) std::memcpy(buffer->data(), already_read.data(), already_read.size());
    std::size_t done = already_read.size();
    while (done < size) {
        const zip_int64_t got = zip_fread(f, buffer->data() + done, std::min(kChunk, size - done));
        if (got <= 0)
            fail("zip member " + name + " inflates to only " + std::to_string(done) + " of the " +
                 std::to_string(size) + " bytes its header declares" +
                 (got < 0 ? std::string(" (") + zip_file_strerror(f) + ")" : std::string()));
        done += static_cast<std::size_t>(got);
    }
    std::byte past;
    const zip_int64_t got = zip_fread(f, &past, 1);
    if (got > 0)
        fail("zip member " + name + " inflates past the " + std::to_string(size) +
             " bytes its header declares");
    if (got < 0) fail("corrupt zip member " + name + ": " + zip_file_strerror(f));
    inflated_ += size;
    return {buffer, 0, size};
}

}  // namespace vivid
