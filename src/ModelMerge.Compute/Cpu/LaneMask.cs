using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// Eight-lane masks from bit masks, for kernels that decide most lanes with one vector compare
/// and a few (ties at a threshold, masks stored as bits) one by one.
/// </summary>
internal static class LaneMask
{
    private static readonly uint[] LaneBits = [1, 2, 4, 8, 16, 32, 64, 128];

    /// <summary>All-ones in the lanes whose bit is set in <paramref name="lanes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> FromBits(uint lanes)
    {
        var laneBits = Vector256.Create<uint>(LaneBits);
        return Vector256.Equals(Vector256.Create(lanes) & laneBits, laneBits);
    }
}
