using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Tests.Formats;

internal static class TensorReaderExtensions
{
    /// <summary>A copy of the tensor's bytes [offset, offset + length): what tests compare with what they wrote.</summary>
    public static byte[] Bytes(this TensorReader reader, long offset, int length)
    {
        var bytes = new byte[length];
        reader.Read(offset, bytes);
        return bytes;
    }
}
