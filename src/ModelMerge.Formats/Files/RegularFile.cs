using Microsoft.Win32.SafeHandles;

namespace ModelMerge.Formats.Files;

/// <summary>
/// The one way a path from a user or a model folder is opened for reading: only a regular file
/// (links followed), and when read whole, only up to a cap. A FIFO named like a config blocks an
/// ordinary open until someone writes to it; <c>/dev/zero</c> as a tokenizer never ends; a folder
/// is not a file. On Linux the type is checked from the path before anything is opened (opening
/// a device can itself do things), the open does not wait, and the type is checked again on the
/// open descriptor, so a path swapped in between is caught too. Elsewhere a folder is refused
/// and every whole read still stops at its cap.
/// </summary>
public static class RegularFile
{
    /// <summary>Opens <paramref name="path"/> for reading; <paramref name="length"/> is its size when opened.</summary>
    /// <param name="shownPath">The path errors name, when it is not <paramref name="path"/> (a link the caller resolved).</param>
    /// <exception cref="CheckpointFormatException"><see cref="FileErrors.NotARegularFile"/>: a FIFO, device, socket or folder.</exception>
    /// <exception cref="FileNotFoundException">Nothing is there, or a link leads to nothing.</exception>
    /// <exception cref="IOException">The system's reason otherwise (a link loop, an I/O error).</exception>
    /// <exception cref="UnauthorizedAccessException">Reading is not permitted.</exception>
    public static SafeFileHandle Open(string path, out long length, string? shownPath = null)
    {
        shownPath ??= path;
        if (LinuxStatx.Available)
        {
            Require(LinuxStatx.Examine(path).Kind, shownPath);
            var handle = NonBlockingOpen.ForReading(path);
            try
            {
                var status = LinuxStatx.Examine(handle, path);
                Require(status.Kind, shownPath);
                length = status.Size;
                return handle;
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }
        if (Directory.Exists(path)) Require(FileKind.Folder, shownPath);
        var opened = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        length = RandomAccess.GetLength(opened);
        return opened;
    }

    /// <summary>
    /// The whole file, refused unread when its size is over <paramref name="maxBytes"/>;
    /// <paramref name="what"/> names the file's role in that message ("a shard index").
    /// </summary>
    /// <param name="shownPath">The path errors name, when it is not <paramref name="path"/> (a link the caller resolved).</param>
    /// <exception cref="CheckpointFormatException"><see cref="FileErrors.NotARegularFile"/> or <see cref="FileErrors.TooLarge"/>.</exception>
    /// <exception cref="IOException">As <see cref="Open"/>; also when the file grows while it is read.</exception>
    public static byte[] ReadAll(string path, long maxBytes, string what, string? shownPath = null)
    {
        using var handle = Open(path, out long length, shownPath);
        if (length > maxBytes)
            throw new CheckpointFormatException(FileErrors.TooLarge, shownPath ?? path,
                $"the file is {length} bytes, over the {maxBytes}-byte limit for {what}; it is refused unread. A real one is far smaller: check that this is the right file.");
        var bytes = new byte[length];
        int total = 0;
        while (total < bytes.Length)
        {
            int read = RandomAccess.Read(handle, bytes.AsSpan(total), total);
            if (read == 0) break;
            total += read;
        }
        Span<byte> beyond = stackalloc byte[1];
        if (RandomAccess.Read(handle, beyond, total) > 0)
            throw new IOException($"'{shownPath ?? path}' grew while it was read; read it again once nothing writes to it.");
        return total == bytes.Length ? bytes : bytes[..total];
    }

    /// <summary><see cref="ReadAll"/>, decoded as <see cref="File.ReadAllText(string)"/> decodes.</summary>
    public static string ReadAllText(string path, long maxBytes, string what) => Decode(ReadAll(path, maxBytes, what));

    /// <summary>Text as <see cref="File.ReadAllText(string)"/> decodes it: a byte-order mark picks the encoding, UTF-8 otherwise.</summary>
    public static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static void Require(FileKind kind, string path)
    {
        if (kind == FileKind.Regular) return;
        string what = kind switch
        {
            FileKind.Folder => "a folder",
            FileKind.Fifo => "a FIFO (named pipe), which would block the read",
            FileKind.CharacterDevice => "a character device, which may never end",
            FileKind.BlockDevice => "a block device",
            FileKind.Socket => "a socket",
            _ => "not a file",
        };
        throw new CheckpointFormatException(FileErrors.NotARegularFile, path,
            $"this is {what}, not a regular file; only regular files are read. Point at the file itself (a link to one is fine).");
    }
}
