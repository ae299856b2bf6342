using System.Globalization;
using System.Text;
using ModelMerge.Fuzz.Mutation;

namespace ModelMerge.Fuzz.Targets;

/// <summary>
/// Safetensors headers: a valid header of a few tensors of mixed dtypes and shapes, laid out in
/// a shuffled data order, then lies told about it (offsets swapped, overlapping, out of order,
/// past the end; shapes that overflow; unknown dtypes; duplicated names and fields; metadata
/// that is not strings), then sometimes blind byte edits.
/// </summary>
public static class SafetensorsHeaderGenerator
{
    private static readonly (string Name, int Size)[] DTypes =
    [
        ("F32", 4), ("F16", 2), ("BF16", 2), ("F64", 8), ("I64", 8), ("I32", 4), ("I16", 2), ("I8", 1),
        ("U8", 1), ("U16", 2), ("U32", 4), ("U64", 8), ("BOOL", 1), ("F8_E4M3", 1), ("F8_E5M2", 1),
    ];

    private static readonly string[] BadDTypes = ["\"F31\"", "\"f32\"", "\"\"", "\"bool\"", "\"F4\"", "\"FLOAT\"", "32", "null", "[\"F32\"]", "{}", "\"F32 \"", "\"F3\\u0032\""];

    private static readonly string[] Names =
    [
        "model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "model.layers.0.mlp.down_proj.weight",
        "model.norm.weight", "lm_head.weight", "model.layers.10.input_layernorm.weight", "rotary.inv_freq",
    ];

    public static readonly IReadOnlyList<byte[]> Dictionary =
        HostileValues.JsonDictionary("__metadata__", "dtype", "shape", "data_offsets", "F32", "BF16", "BOOL", "format", "pt");

    private static readonly ByteMutator Mutator = new(Dictionary, maxLength: 1 << 20);

    private sealed class Entry
    {
        public required string Name;
        public required string DType;
        public int Size;
        public required List<string> Shape;
        public long Bytes;
        public string Begin = "0";
        public string End = "0";
        public string? Value;                  // the whole entry replaced by another JSON value
        public List<string>? Offsets;          // data_offsets with other than two items
        public List<string> Extra = [];        // members added to the entry
        public HashSet<string> Missing = [];   // fields left out
        public HashSet<string> Doubled = [];   // fields written twice
    }

    /// <summary>Header JSON and the data length it is parsed against.</summary>
    public static (byte[] Header, long DataLength) Generate(Random random)
    {
        var entries = ValidEntries(random, out long dataLength);
        int lies = random.Next(3) == 0 ? 0 : 1 + random.Next(3);
        for (int i = 0; i < lies; i++) Lie(entries, random, ref dataLength);

        string json = random.Next(40) == 0 ? NotAnObject(random) : Serialize(entries, Metadata(random), random);
        byte[] header = Encoding.UTF8.GetBytes(json);
        header = Pad(header, random);
        if (random.Next(5) < 2) header = Mutator.Mutate(header, random);
        return (header, dataLength);
    }

    /// <summary>
    /// A whole file: the 8-byte little-endian header length (sometimes a lie: short, long, past
    /// the 100 MB cap, 2^64 - 1), the header, zeroed data, and sometimes a cut anywhere.
    /// </summary>
    public static byte[] FileImage(Random random)
    {
        var (header, dataLength) = Generate(random);
        long data = Math.Clamp(dataLength, 0, 1 << 16);
        ulong lengthField = random.Next(6) != 0 ? (ulong)header.Length : random.Next(7) switch
        {
            0 => (ulong)header.Length + 1,
            1 => (ulong)Math.Max(0, header.Length - 1),
            2 => 0,
            3 => 100_000_001,
            4 => ulong.MaxValue,
            5 => (1UL << 32) + (ulong)header.Length,
            _ => (ulong)(header.Length + data + 1),
        };
        var image = new byte[8 + header.Length + data];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(image, lengthField);
        header.CopyTo(image, 8);
        if (random.Next(10) == 0) return image[..random.Next(image.Length + 1)];
        return image;
    }

    private static List<Entry> ValidEntries(Random random, out long dataLength)
    {
        int count = random.Next(10) switch { 0 => 0, 1 => 1, 9 => 3 + random.Next(30), _ => 2 + random.Next(4) };
        var entries = new List<Entry>(count);
        for (int i = 0; i < count; i++)
        {
            var (dtype, size) = DTypes[random.Next(DTypes.Length)];
            var dims = new List<long>();
            int rank = random.Next(5);
            for (int d = 0; d < rank; d++) dims.Add(random.Next(8) == 0 ? 0 : 1 + random.Next(6));
            long elements = dims.Aggregate(1L, (a, b) => a * b);
            string name = random.Next(8) == 0 ? HostileValues.Pick(random, HostileValues.Strings) : Names[random.Next(Names.Length)];
            if (random.Next(4) != 0) name += "." + i.ToString(CultureInfo.InvariantCulture);
            entries.Add(new Entry
            {
                Name = name, DType = JsonSpelling.Quote(dtype), Size = size,
                Shape = dims.Select(d => d.ToString(CultureInfo.InvariantCulture)).ToList(), Bytes = elements * size,
            });
        }

        // Data order is a shuffle of header order: readers must sort by offset, not trust the listing.
        var order = Enumerable.Range(0, count).OrderBy(_ => random.Next()).ToList();
        long offset = 0;
        foreach (int i in order)
        {
            entries[i].Begin = offset.ToString(CultureInfo.InvariantCulture);
            offset += entries[i].Bytes;
            entries[i].End = offset.ToString(CultureInfo.InvariantCulture);
        }
        dataLength = offset;
        return entries;
    }

    private static void Lie(List<Entry> entries, Random random, ref long dataLength)
    {
        if (entries.Count == 0 || random.Next(12) == 0)
        {
            dataLength = LieAboutLength(dataLength, random);
            return;
        }
        var entry = entries[random.Next(entries.Count)];
        var other = entries[random.Next(entries.Count)];
        switch (random.Next(16))
        {
            case 0: (entry.Begin, other.Begin) = (other.Begin, entry.Begin); break;
            case 1: (entry.Begin, entry.End, other.Begin, other.End) = (other.Begin, other.End, entry.Begin, entry.End); break;
            case 2: entry.End = Shift(entry.End, random); break;
            case 3: entry.Begin = Shift(entry.Begin, random); entry.End = Shift(entry.End, random); break;
            case 4: (entry.Begin, entry.End) = (entry.End, entry.Begin); break;
            case 5: if (random.Next(2) == 0) entry.Begin = HostileValues.Pick(random, HostileValues.Numbers); else entry.End = HostileValues.Pick(random, HostileValues.Numbers); break;
            case 6:
                if (entry.Shape.Count == 0) entry.Shape.Add(HostileValues.Pick(random, HostileValues.Numbers));
                else entry.Shape[random.Next(entry.Shape.Count)] = random.Next(3) == 0 ? HostileValues.Pick(random, HostileValues.Literals) : HostileValues.Pick(random, HostileValues.Numbers);
                break;
            case 7: entry.Shape = ["4294967296", "4294967296", "4"]; break;
            case 8: entry.DType = HostileValues.Pick(random, BadDTypes); break;
            case 9: entry.Missing.Add(new[] { "dtype", "shape", "data_offsets" }[random.Next(3)]); break;
            case 10: entry.Doubled.Add(new[] { "dtype", "shape", "data_offsets" }[random.Next(3)]); break;
            case 11: entry.Extra.Add(JsonSpelling.Member(HostileValues.Pick(random, ["extra", "dtype ", "offsets", "__metadata__"]), HostileValues.Pick(random, HostileValues.Numbers), random)); break;
            case 12: entry.Name = other.Name; break;
            case 13: entry.Value = HostileValues.Pick(random, ["[]", "null", "\"F32\"", "1", "[0, 16]", JsonSpelling.Nested(1 + random.Next(12), "{}", random)]); break;
            case 14: entry.Offsets = random.Next(4) switch { 0 => [], 1 => [entry.Begin], 2 => [entry.Begin, entry.End, entry.End], _ => [entry.Begin, "null"] }; break;
            default: entry.Shape = Enumerable.Repeat("1", 63 + random.Next(4)).ToList(); break;
        }
    }

    private static string Shift(string number, Random random)
    {
        if (!long.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)) return number;
        long delta = random.Next(4) switch { 0 => 1, 1 => -1, 2 => random.Next(-16, 17), _ => random.Next(2) == 0 ? long.MaxValue / 2 : -value - 1 };
        return unchecked(value + delta).ToString(CultureInfo.InvariantCulture);
    }

    private static long LieAboutLength(long dataLength, Random random) => random.Next(6) switch
    {
        0 => dataLength + 1,
        1 => dataLength - 1,
        2 => 0,
        3 => -1 - random.Next(100),
        4 => dataLength + random.Next(1, 4096),
        _ => long.MaxValue / 4,
    };

    private static string? Metadata(Random random) => random.Next(14) switch
    {
        < 6 => null,
        < 10 => "{\"format\":\"pt\"}",
        10 => "null",
        11 => HostileValues.Pick(random, ["{\"format\":1}", "{\"a\":{}}", "[]", "\"pt\"", "{\"a\":\"1\",\"a\":\"2\"}", "{\"\\ud800\":\"x\"}"]),
        12 => JsonSpelling.Object(Enumerable.Range(0, random.Next(8) == 0 ? 2000 : random.Next(20)).Select(i => JsonSpelling.Member("k" + i, "\"v\"", random)), random),
        _ => JsonSpelling.Object([JsonSpelling.Member(HostileValues.Pick(random, HostileValues.Strings), JsonSpelling.Quote(HostileValues.Pick(random, HostileValues.Strings), random), random)], random),
    };

    private static string Serialize(List<Entry> entries, string? metadata, Random random)
    {
        var members = new List<string>();
        foreach (var entry in entries)
        {
            if (entry.Value is not null)
            {
                members.Add(JsonSpelling.Member(entry.Name, entry.Value, random));
                continue;
            }
            var fields = new List<string>();
            void Field(string key, string value)
            {
                if (entry.Missing.Contains(key)) return;
                fields.Add(JsonSpelling.Member(key, value, random));
                if (entry.Doubled.Contains(key)) fields.Add(JsonSpelling.Member(key, value, random));
            }
            Field("dtype", entry.DType);
            Field("shape", JsonSpelling.Array(entry.Shape, random));
            Field("data_offsets", JsonSpelling.Array(entry.Offsets ?? [entry.Begin, entry.End], random));
            fields.AddRange(entry.Extra);
            if (random.Next(3) == 0) Shuffle(fields, random);
            members.Add(JsonSpelling.Member(entry.Name, JsonSpelling.Object(fields, random), random));
        }
        if (metadata is not null)
        {
            int at = random.Next(members.Count + 1);
            members.Insert(at, JsonSpelling.Member("__metadata__", metadata, random));
            if (random.Next(30) == 0) members.Add(JsonSpelling.Member("__metadata__", metadata, random));
        }
        return JsonSpelling.Object(members, random);
    }

    private static string NotAnObject(Random random) => HostileValues.Pick(random,
        ["", " ", "[]", "[{}]", "\"header\"", "0", "null", "{", "}", "{}{}", "{}[]", "{\"a\":1", JsonSpelling.Nested(4 + random.Next(100), "1", random)]);

    /// <summary>Writers pad the header with spaces to a multiple of 8; some pad with NULs, some write garbage after.</summary>
    private static byte[] Pad(byte[] header, Random random)
    {
        int padding = random.Next(8) switch { < 4 => (8 - header.Length % 8) % 8, 4 => 0, _ => random.Next(1, 9) };
        byte fill = random.Next(6) switch { 0 => 0, 1 => (byte)'\n', 2 => (byte)'x', _ => (byte)' ' };
        return [.. header, .. Enumerable.Repeat(fill, padding)];
    }

    private static void Shuffle(List<string> items, Random random)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
