using System.Globalization;

namespace ModelMerge.Tests.Formats;

/// <summary>
/// How much of one memory mapping is resident in this process, from the kernel's own account
/// (/proc/self/smaps). Linux only: elsewhere <see cref="Available"/> is false.
/// </summary>
internal static unsafe class MappingRss
{
    public static bool Available => OperatingSystem.IsLinux() && File.Exists("/proc/self/smaps");

    /// <summary>The resident bytes of the mapping that holds the first byte of <paramref name="bytes"/>.</summary>
    public static long OfMappingHolding(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* first = bytes) return OfMappingHolding((ulong)first);
    }

    private static long OfMappingHolding(ulong address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            // A mapping's block starts "start-end perms offset device inode path"; its fields follow as "Name:   value kB".
            string first = line[..Math.Max(0, line.IndexOf(' '))];
            if (first.Length > 0 && !first.EndsWith(':'))
            {
                int dash = first.IndexOf('-');
                ulong start = ulong.Parse(first.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                ulong end = ulong.Parse(first.AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                inside = address >= start && address < end;
            }
            else if (inside && first == "Rss:")
            {
                return long.Parse(line.AsSpan(4).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException($"no mapping holds address 0x{address:x}");
    }

    /// <summary>Touches every page of <paramref name="bytes"/> so that all of them are mapped in.</summary>
    public static long Touch(ReadOnlySpan<byte> bytes)
    {
        long sum = 0;
        for (int i = 0; i < bytes.Length; i += Environment.SystemPageSize) sum += bytes[i];
        return sum;
    }
}
