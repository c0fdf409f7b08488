// Every output vivid writes: a regular file or a new path atomically (a new inode renamed into
// place), a symbolic link's target (the link stays), a FIFO or character device in place, and
// never a folder or anything else replaced. Character devices are tested on a pseudo-terminal
// of our own: an old rename over it fails instead of replacing a system device.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "core/atomic_output.h"
#include "test_support.h"
#include "vivid/vivid.h"

namespace {

namespace fs = std::filesystem;
using vivid::test::read_bytes;
using vivid::test::TempDir;
using vivid::test::write_bytes;

ino_t inode(const fs::path& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST(OutputFiles, ARegularFileIsReplacedWhole) {
    TempDir tmp;
    write_bytes(tmp / "out.txt", "old contents, longer than the new");
    const ino_t before = inode(tmp / "out.txt");
    vivid::write_output_file(tmp / "out.txt", std::string("new"));
    EXPECT_EQ(read_bytes(tmp / "out.txt"), "new");
    EXPECT_NE(inode(tmp / "out.txt"), before);  // renamed into place, not rewritten
    vivid::write_output_file(tmp / "fresh.txt", std::string("made"));
    EXPECT_EQ(read_bytes(tmp / "fresh.txt"), "made");
    EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()), 2);  // no temporaries
}

TEST(OutputFiles, ASymlinkKeepsPointingAtItsNewTarget) {
    TempDir tmp;
    fs::create_directory(tmp / "real");
    write_bytes(tmp / "real" / "target.txt", "old");
    fs::create_symlink("real/target.txt", tmp / "link.txt");
    fs::create_symlink("link.txt", tmp / "link_to_link.txt");
    vivid::write_output_file(tmp / "link_to_link.txt", std::string("through two links"));
    EXPECT_TRUE(fs::is_symlink(tmp / "link.txt"));
    EXPECT_TRUE(fs::is_symlink(tmp / "link_to_link.txt"));
    EXPECT_EQ(read_bytes(tmp / "real" / "target.txt"), "through two links");
    // A dangling link: its target is created, the link stays.
    fs::create_symlink("real/absent.txt", tmp / "dangling.txt");
    vivid::write_output_file(tmp / "dangling.txt", std::string("created"));
    EXPECT_TRUE(fs::is_symlink(tmp / "dangling.txt"));
    EXPECT_EQ(read_bytes(tmp / "real" / "absent.txt"), "created");
}

TEST(OutputFiles, AFifoIsWrittenInOrderAndStaysAFifo) {
    TempDir tmp;
    const fs::path fifo = tmp / "pipe";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string received;
    std::thread reader([&] { received = vivid::test::read_fifo(fifo); });
    const std::string a(100000, 'a'), b(70000, 'b');  // more than a pipe buffer holds
    const std::span<const std::byte> pieces[] = {std::as_bytes(std::span(a)), std::as_bytes(std::span(b))};
    vivid::write_output_file(fifo, pieces);
    reader.join();
    EXPECT_EQ(received, a + b);
    EXPECT_TRUE(fs::is_fifo(fifo));
}

TEST(OutputFiles, ACharacterDeviceIsWrittenInPlace) {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    ASSERT_GE(master, 0);
    ASSERT_EQ(::grantpt(master), 0);
    ASSERT_EQ(::unlockpt(master), 0);
    const fs::path terminal = ::ptsname(master);
    const ino_t before = inode(terminal);
    vivid::write_output_file(terminal, std::string("to the terminal"));
    char buf[64] = {};
    const ssize_t n = ::read(master, buf, sizeof buf);
    EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "to the terminal");
    EXPECT_TRUE(fs::is_character_file(terminal));
    EXPECT_EQ(inode(terminal), before);
    ::close(master);
}

TEST(OutputFiles, AFolderOrASocketIsNotReplaced) {
    TempDir tmp;
    fs::create_directory(tmp / "folder");
    write_bytes(tmp / "folder" / "keep.txt", "kept");
    try {
        vivid::write_output_file(tmp / "folder", std::string("x"));
        FAIL() << "a folder was written over";
    } catch (const vivid::Error& e) {
        EXPECT_EQ(e.source(), (tmp / "folder").string());
        EXPECT_NE(std::string(e.what()).find("folder"), std::string::npos) << e.what();
    }
    EXPECT_EQ(read_bytes(tmp / "folder" / "keep.txt"), "kept");
    EXPECT_THROW(vivid::build_directory_atomically("-", true, [](const fs::path&) {}), vivid::Error);
}

TEST(OutputFiles, AModelFolderBehindALinkIsReplacedAndTheLinkKept) {
    TempDir tmp;
    fs::create_directory(tmp / "models");
    fs::create_directory(tmp / "models" / "v1");
    write_bytes(tmp / "models" / "v1" / "old.txt", "old");
    fs::create_directory_symlink("models/v1", tmp / "current");
    vivid::build_directory_atomically(tmp / "current", true,
                                      [](const fs::path& dir) { write_bytes(dir / "new.txt", "new"); });
    EXPECT_TRUE(fs::is_symlink(tmp / "current"));
    EXPECT_EQ(read_bytes(tmp / "models" / "v1" / "new.txt"), "new");
    EXPECT_FALSE(fs::exists(tmp / "models" / "v1" / "old.txt"));
}

}  // namespace
