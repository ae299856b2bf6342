using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ModelMerge.TestData;

/// <summary>
/// Safetensors files assembled byte by byte from a header the test writes itself, so that
/// reading them checks the reader against the format, not against our own writer.
/// </summary>
public static class HandBuiltSafetensors
{
    /// <summary>
    /// An 8-byte little-endian header length, the header's UTF-8 bytes, then the data.
    /// <paramref name="declaredHeaderLength"/> lets a test make the length field lie.
    /// </summary>
    public static byte[] Bytes(string headerJson, ReadOnlySpan<byte> data, ulong? declaredHeaderLength = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredHeaderLength ?? (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file.AsSpan(8 + header.Length));
        return file;
    }

    public static string Write(string path, string headerJson, ReadOnlySpan<byte> data, ulong? declaredHeaderLength = null)
    {
        File.WriteAllBytes(path, Bytes(headerJson, data, declaredHeaderLength));
        return path;
    }

    /// <summary>A valid file of one-dimensional F32 tensors stored back to back in the order given.</summary>
    public static string WriteF32(string path, params (string Name, float[] Values)[] tensors)
    {
        var entries = new List<string>();
        var data = new List<byte>();
        long offset = 0;
        foreach (var (name, values) in tensors)
        {
            long end = offset + 4L * values.Length;
            entries.Add(string.Create(CultureInfo.InvariantCulture,
                $"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{values.Length}],\"data_offsets\":[{offset},{end}]}}"));
            foreach (var value in values)
            {
                var bytes = new byte[4];
                BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                data.AddRange(bytes);
            }
            offset = end;
        }
        return Write(path, "{" + string.Join(",", entries) + "}", data.ToArray());
    }

    /// <summary>The header of a file holding one F32 tensor of <paramref name="elements"/> elements.</summary>
    public static string OneF32Header(string name, int elements) =>
        $"{{\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{elements}],\"data_offsets\":[0,{4 * elements}]}}}}";
}
