using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Formats.Numerics;

/// <summary>
/// NaN and ±infinity among stored float elements, told from the bits alone: an element is not
/// finite exactly when its exponent field is all ones. With the sign bit cleared, every finite
/// bit pattern is below the infinity pattern and every NaN at or above it, so one unsigned max
/// per vector, folded into a loop that already loads the elements, answers "any?" for a span;
/// the exact count and position (<see cref="Count"/>) are worked out only when the answer is
/// yes, which for a sound checkpoint is never.
/// </summary>
public static class NonFiniteElements
{
    private const ushort BFloat16Infinity = 0x7F80;
    private const ushort Float16Infinity = 0x7C00;
    private const uint SingleInfinity = 0x7F80_0000;
    private const ulong DoubleInfinity = 0x7FF0_0000_0000_0000;

    /// <summary>The types whose elements are tested: the ones merges compute on (every floating-point type).</summary>
    public static bool AreTested(DType dtype) => dtype.IsMergeable();

    /// <summary>The magnitude pattern of +∞ in a 16-bit type: any element whose magnitude bits reach it is NaN or ±∞.</summary>
    internal static ushort Infinity16(DType dtype) => dtype switch
    {
        DType.BF16 => BFloat16Infinity,
        DType.F16 => Float16Infinity,
        _ => throw new ArgumentException($"{dtype} is not a 16-bit float type.", nameof(dtype)),
    };

    /// <summary>True when no element of <paramref name="bytes"/> (a whole number of <paramref name="dtype"/> elements) is NaN or ±∞.</summary>
    public static bool AllFinite(DType dtype, ReadOnlySpan<byte> bytes) => dtype switch
    {
        DType.F32 => AllFinite(MemoryMarshal.Cast<byte, uint>(bytes), SingleInfinity),
        DType.BF16 or DType.F16 => AllFinite(MemoryMarshal.Cast<byte, ushort>(bytes), Infinity16(dtype)),
        DType.F64 => AllFinite(MemoryMarshal.Cast<byte, ulong>(bytes), DoubleInfinity),
        DType.F8_E4M3 or DType.F8_E5M2 => AllFinite(bytes, Float8Conversion.Infinity8(dtype)),
        _ => throw new ArgumentException($"{dtype} elements are not tested for NaN or infinity.", nameof(dtype)),
    };

    /// <summary>
    /// Copies the bytes and tests them in the same pass, for tensors written byte for byte:
    /// true when every element is finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool CopyAllFinite(DType dtype, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is too short", nameof(destination));
        return dtype switch
        {
            DType.F32 => CopyAllFinite(MemoryMarshal.Cast<byte, uint>(source), MemoryMarshal.Cast<byte, uint>(destination), SingleInfinity),
            DType.BF16 or DType.F16 => CopyAllFinite(MemoryMarshal.Cast<byte, ushort>(source), MemoryMarshal.Cast<byte, ushort>(destination), Infinity16(dtype)),
            DType.F64 => CopyAllFinite(MemoryMarshal.Cast<byte, ulong>(source), MemoryMarshal.Cast<byte, ulong>(destination), DoubleInfinity),
            DType.F8_E4M3 or DType.F8_E5M2 => CopyAllFinite(source, destination, Float8Conversion.Infinity8(dtype)),
            _ => throw new ArgumentException($"{dtype} elements are not tested for NaN or infinity.", nameof(dtype)),
        };
    }

    /// <summary>How many elements are NaN, how many ±∞, and the first one's index (−1 when none): the slow, exact answer.</summary>
    public static NonFiniteCount Count(DType dtype, ReadOnlySpan<byte> bytes)
    {
        int nan = 0, infinite = 0, first = -1;
        int size = dtype.SizeOf();
        for (int i = 0; i < bytes.Length / size; i++)
        {
            var kind = Classify(dtype, bytes, i);
            if (kind == Kind.Finite) continue;
            if (first < 0) first = i;
            if (kind == Kind.NaN) nan++;
            else infinite++;
        }
        return new NonFiniteCount(nan, infinite, first);
    }

    /// <summary>How element <paramref name="index"/> reads in a message: "NaN (bits 0x7FC1)", "+Inf" or "-Inf".</summary>
    public static string Describe(DType dtype, ReadOnlySpan<byte> bytes, int index)
    {
        int size = dtype.SizeOf();
        ulong bits = Bits(bytes, size, index);
        return Classify(dtype, bytes, index) switch
        {
            Kind.NaN => $"NaN (bits 0x{bits.ToString("X" + 2 * size)})",
            Kind.Infinite => bits >> (8 * size - 1) == 1 ? "-Inf" : "+Inf",
            _ => "finite",
        };
    }

    private enum Kind { Finite, Infinite, NaN }

    private static ulong Bits(ReadOnlySpan<byte> bytes, int size, int index) => size switch
    {
        1 => bytes[index],
        2 => MemoryMarshal.Read<ushort>(bytes[(index * 2)..]),
        4 => MemoryMarshal.Read<uint>(bytes[(index * 4)..]),
        _ => MemoryMarshal.Read<ulong>(bytes[(index * 8)..]),
    };

    private static Kind Classify(DType dtype, ReadOnlySpan<byte> bytes, int index)
    {
        int size = dtype.SizeOf();
        ulong magnitude = Bits(bytes, size, index) & (ulong.MaxValue >> (65 - 8 * size));
        ulong infinity = dtype switch
        {
            DType.F32 => SingleInfinity,
            DType.F64 => DoubleInfinity,
            DType.F8_E4M3 or DType.F8_E5M2 => Float8Conversion.Infinity8(dtype),
            _ => Infinity16(dtype),
        };
        // float8_e4m3fn has no infinity: its one all-ones pattern is NaN.
        if (dtype == DType.F8_E4M3 && magnitude == infinity) return Kind.NaN;
        return magnitude < infinity ? Kind.Finite : magnitude == infinity ? Kind.Infinite : Kind.NaN;
    }

    /// <summary>
    /// The magnitude bits (sign cleared) of the widest element of <paramref name="source"/>
    /// reach <paramref name="infinity"/> exactly when some element is NaN or ±∞. Generic over the
    /// element's unsigned bit type (ushort for 16-bit floats, uint for float32); the JIT compiles
    /// one loop per type.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool AllFinite<T>(ReadOnlySpan<T> source, T infinity) where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        T magnitude = T.AllBitsSet >>> 1;
        ref T src = ref MemoryMarshal.GetReference(source);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var largest = Vector512<T>.Zero;
            for (; i <= source.Length - Vector512<T>.Count; i += Vector512<T>.Count)
                largest = Vector512.Max(largest, Vector512.LoadUnsafe(ref src, (nuint)i) & Vector512.Create(magnitude));
            if (Vector512.GreaterThanOrEqualAny(largest, Vector512.Create(infinity))) return false;
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var largest = Vector256<T>.Zero;
            for (; i <= source.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                largest = Vector256.Max(largest, Vector256.LoadUnsafe(ref src, (nuint)i) & Vector256.Create(magnitude));
            if (Vector256.GreaterThanOrEqualAny(largest, Vector256.Create(infinity))) return false;
        }
        for (; i < source.Length; i++)
            if ((Unsafe.Add(ref src, i) & magnitude) >= infinity) return false;
        return true;
    }

    /// <summary><see cref="AllFinite{T}"/> folded into a copy: one load feeds both the store and the test.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool CopyAllFinite<T>(ReadOnlySpan<T> source, Span<T> destination, T infinity) where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        T magnitude = T.AllBitsSet >>> 1;
        ref T src = ref MemoryMarshal.GetReference(source);
        ref T dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        bool finite = true;
        if (Vector512.IsHardwareAccelerated)
        {
            // Two vectors a step: a plain copy is bound by loads and stores, and the unrolled loop keeps up with one.
            var largest = Vector512<T>.Zero;
            for (; i <= source.Length - 2 * Vector512<T>.Count; i += 2 * Vector512<T>.Count)
            {
                var first = Vector512.LoadUnsafe(ref src, (nuint)i);
                var second = Vector512.LoadUnsafe(ref src, (nuint)(i + Vector512<T>.Count));
                first.StoreUnsafe(ref dst, (nuint)i);
                second.StoreUnsafe(ref dst, (nuint)(i + Vector512<T>.Count));
                largest = Vector512.Max(largest, Vector512.Max(first & Vector512.Create(magnitude), second & Vector512.Create(magnitude)));
            }
            finite = !Vector512.GreaterThanOrEqualAny(largest, Vector512.Create(infinity));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var largest = Vector256<T>.Zero;
            for (; i <= source.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var bits = Vector256.LoadUnsafe(ref src, (nuint)i);
                bits.StoreUnsafe(ref dst, (nuint)i);
                largest = Vector256.Max(largest, bits & Vector256.Create(magnitude));
            }
            finite = !Vector256.GreaterThanOrEqualAny(largest, Vector256.Create(infinity));
        }
        for (; i < source.Length; i++)
        {
            T bits = Unsafe.Add(ref src, i);
            Unsafe.Add(ref dst, i) = bits;
            finite &= (bits & magnitude) < infinity;
        }
        return finite;
    }
}

/// <summary>The NaN and infinite elements of a span: how many of each, and where the first is (−1 when none).</summary>
public readonly record struct NonFiniteCount(int NaN, int Infinite, int First)
{
    public int Total => NaN + Infinite;
}
