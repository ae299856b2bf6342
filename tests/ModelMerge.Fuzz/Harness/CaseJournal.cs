using System.IO.MemoryMappedFiles;
using System.Text;

namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// The case in flight, written to a memory-mapped file before the parser runs and cleared after.
/// A stack overflow ends a .NET process with no chance to catch it; the mapped pages belong to
/// the kernel's page cache and outlive the process, so the next run finds the case that killed
/// the last one and saves it as a <see cref="FindingKind.Crash"/>.
/// </summary>
public sealed unsafe class CaseJournal : IDisposable
{
    private const int Magic = 0x4D4D465A;
    private const int HeaderBytes = 128;
    private const int NameBytes = 64;
    private const int Capacity = 8 << 20;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;

    private CaseJournal(string path)
    {
        bool existed = File.Exists(path) && new FileInfo(path).Length == HeaderBytes + Capacity;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.OpenOrCreate, null, HeaderBytes + Capacity);
        _view = _file.CreateViewAccessor();
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer;
        if (!existed) *(int*)_base = 0;
    }

    /// <summary>Opens the journal at <paramref name="path"/>; <paramref name="crashed"/> is the case an earlier run died in, if one did.</summary>
    public static CaseJournal Open(string path, out Finding? crashed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var journal = new CaseJournal(path);
        crashed = journal.LeftOver();
        journal.Clear();
        return journal;
    }

    /// <summary>Records the case about to run.</summary>
    public void Begin(string target, int seed, long index, FuzzCase input)
    {
        int length = Math.Min(input.Input.Length, Capacity);
        *(int*)(_base + 4) = 0;
        *(int*)(_base + 8) = seed;
        *(long*)(_base + 12) = index;
        *(int*)(_base + 20) = length;
        *(int*)(_base + 24) = input.Input.Length;
        WriteName(_base + 32, target);
        WriteName(_base + 32 + NameBytes / 2, input.Extension);
        input.Input.AsSpan(0, length).CopyTo(new Span<byte>(_base + HeaderBytes, length));
        // The flag goes last: a half-written record is never taken for a crash.
        *(int*)_base = Magic;
        *(int*)(_base + 4) = 1;
    }

    /// <summary>The case finished, one way or another.</summary>
    public void End() => *(int*)(_base + 4) = 0;

    private void Clear() => *(int*)(_base + 4) = 0;

    private Finding? LeftOver()
    {
        if (*(int*)_base != Magic || *(int*)(_base + 4) != 1) return null;
        int seed = *(int*)(_base + 8);
        long index = *(long*)(_base + 12);
        int length = *(int*)(_base + 20);
        int fullLength = *(int*)(_base + 24);
        string target = ReadName(_base + 32);
        string extension = ReadName(_base + 32 + NameBytes / 2);
        byte[] input = new Span<byte>(_base + HeaderBytes, length).ToArray();
        string note = length < fullLength ? $"the journal kept the first {length} of {fullLength} bytes" : "";
        var fuzzCase = new FuzzCase(input, extension, () => { }, note.Length == 0 ? null : note);
        return new Finding(target, seed, index, FindingKind.Crash,
            "an earlier run ended while this case was running (a stack overflow or another fatal error)", fuzzCase)
        { Signature = $"{FindingKind.Crash}: {target}" };
    }

    private static void WriteName(byte* at, string text)
    {
        var span = new Span<byte>(at, NameBytes / 2);
        span.Clear();
        Encoding.ASCII.GetBytes(text.AsSpan(0, Math.Min(text.Length, span.Length - 1)), span);
    }

    private static string ReadName(byte* at)
    {
        var span = new ReadOnlySpan<byte>(at, NameBytes / 2);
        int end = span.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
