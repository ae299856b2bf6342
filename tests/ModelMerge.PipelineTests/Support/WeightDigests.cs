using System.Security.Cryptography;
using System.Text.Json;

namespace ModelMerge.PipelineTests.Support;

/// <summary>
/// The digest lines Record-FoundationDigests.ps1 writes, computed the same way here:
/// <c>file NAME BYTES SHA256</c> for each weight file (header and data) and
/// <c>tensor NAME DTYPE [SHAPE] FILE SHA256</c> for each tensor's data bytes. The header is read
/// with a JSON parser of its own, not the module's reader, so a reader change cannot hide a
/// difference in what was written.
/// </summary>
public static class WeightDigests
{
    public static IReadOnlyList<string> Of(string folder, bool tensorsOnly = false)
    {
        var files = Directory.EnumerateFiles(folder).Select(Path.GetFileName)
            .Where(n => n!.EndsWith(".safetensors", StringComparison.Ordinal) || n == "model.safetensors.index.json")
            .Order(StringComparer.Ordinal).ToList();
        var fileLines = new List<string>();
        var tensorLines = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in files)
        {
            var bytes = File.ReadAllBytes(Path.Combine(folder, name!));
            if (!tensorsOnly) fileLines.Add($"file {name} {bytes.Length} {Hex(bytes)}");
            if (!name!.EndsWith(".safetensors", StringComparison.Ordinal)) continue;
            long headerLength = BitConverter.ToInt64(bytes, 0);
            using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
            foreach (var tensor in header.RootElement.EnumerateObject())
            {
                if (tensor.Name == "__metadata__") continue;
                var offsets = tensor.Value.GetProperty("data_offsets");
                long begin = 8 + headerLength + offsets[0].GetInt64(), end = 8 + headerLength + offsets[1].GetInt64();
                string shape = string.Join(',', tensor.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
                tensorLines[tensor.Name] = $"tensor {tensor.Name} {tensor.Value.GetProperty("dtype").GetString()} [{shape}] {name} "
                    + Hex(bytes.AsSpan((int)begin, (int)(end - begin)));
            }
        }
        return [.. fileLines, .. tensorLines.Values];
    }

    /// <summary>
    /// What differs between two sets of digest lines, one line per file or tensor: empty when equal.
    /// Tensors come first, as they say whether numbers changed or only a header did.
    /// </summary>
    public static IReadOnlyList<string> Differences(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        static Dictionary<string, string> ByItem(IEnumerable<string> lines) =>
            lines.ToDictionary(l => string.Join(' ', l.Split(' ').Take(2)), StringComparer.Ordinal);
        static string WithoutDigest(string line) => line[..line.LastIndexOf(' ')];
        var want = ByItem(expected);
        var got = ByItem(actual);
        var differences = new List<string>();
        foreach (var key in want.Keys.Union(got.Keys).OrderBy(k => k.StartsWith("file ", StringComparison.Ordinal)).ThenBy(k => k, StringComparer.Ordinal))
        {
            want.TryGetValue(key, out var w);
            got.TryGetValue(key, out var g);
            if (w == g) continue;
            differences.Add(w is null ? $"{key}: not in the Foundation's output"
                : g is null ? $"{key}: missing"
                : WithoutDigest(w) == WithoutDigest(g) ? $"{key}: different bytes"
                : $"{key}: '{WithoutDigest(g)}', the Foundation's '{WithoutDigest(w)}'");
        }
        return differences;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
