namespace ModelMerge.Fuzz.Mutation;

/// <summary>
/// Blind edits of an input's bytes, the kind a damaged download or a hand-edited file has: bit
/// flips, bytes set to the structural characters of the format, ranges deleted, repeated or
/// swapped, truncation, and tokens from a dictionary spliced in (huge and negative numbers,
/// NaN-like words, broken UTF-8, escapes of lone surrogates). The structure-aware generators
/// start from something valid; these edits carry it over the edge.
/// </summary>
public sealed class ByteMutator(IReadOnlyList<byte[]> dictionary, int maxLength)
{
    private static readonly byte[] Special =
        [0, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xED, 0xEF, 0xF0, 0xFF, (byte)'"', (byte)'\\', (byte)'{', (byte)'}', (byte)'[', (byte)']',
         (byte)',', (byte)':', (byte)'-', (byte)'0', (byte)'9', (byte)'e', (byte)'.', (byte)' ', (byte)'\n', (byte)'\t', (byte)'/'];

    /// <summary>Applies one to <paramref name="maxEdits"/> edits to a copy of <paramref name="input"/>.</summary>
    public byte[] Mutate(byte[] input, Random random, int maxEdits = 4)
    {
        var bytes = new List<byte>(input);
        int edits = 1 + random.Next(maxEdits);
        for (int e = 0; e < edits; e++) Edit(bytes, random);
        if (bytes.Count > maxLength) bytes.RemoveRange(maxLength, bytes.Count - maxLength);
        return bytes.ToArray();
    }

    private void Edit(List<byte> bytes, Random random)
    {
        if (bytes.Count == 0)
        {
            bytes.AddRange(dictionary[random.Next(dictionary.Count)]);
            return;
        }
        int at = random.Next(bytes.Count);
        int span = Math.Min(bytes.Count - at, 1 + random.Next(random.Next(2) == 0 ? 8 : 64));
        switch (random.Next(11))
        {
            case 0:
                bytes[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                bytes[at] = Special[random.Next(Special.Length)];
                break;
            case 2:
                bytes[at] = (byte)random.Next(256);
                break;
            case 3:
                bytes.RemoveRange(at, span);
                break;
            case 4:
                bytes.InsertRange(at, bytes.GetRange(at, span));
                break;
            case 5:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 6:
            case 7:
                bytes.InsertRange(at, dictionary[random.Next(dictionary.Count)]);
                break;
            case 8:
                var token = dictionary[random.Next(dictionary.Count)];
                bytes.RemoveRange(at, span);
                bytes.InsertRange(at, token);
                break;
            case 9:
                int other = random.Next(bytes.Count);
                int length = Math.Min(span, Math.Min(bytes.Count - other, bytes.Count - at));
                for (int i = 0; i < length; i++) (bytes[at + i], bytes[other + i]) = (bytes[other + i], bytes[at + i]);
                break;
            default:
                // A run of one structural byte: deep nesting, long strings of digits, padding.
                byte repeated = Special[random.Next(Special.Length)];
                bytes.InsertRange(at, Enumerable.Repeat(repeated, 1 + random.Next(random.Next(2) == 0 ? 16 : 2048)));
                break;
        }
    }
}
