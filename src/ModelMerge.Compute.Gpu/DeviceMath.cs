using ILGPU.Runtime.Cuda;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// float64 arithmetic that rounds where the CPU rounds. ILGPU 1.5.3 writes a product as
/// <c>mul.f64</c>, without a rounding modifier, and the PTX rules let ptxas fuse such a multiply
/// with the add after it into one <c>fma</c> that rounds once; .NET never fuses, so the bits would
/// differ from the CPU's wherever a product meets an add. <c>mul.rn.f64</c> is never contracted.
/// </summary>
internal static class DeviceMath
{
    /// <summary>a·b rounded to float64 before anything is added to it, on every accelerator.</summary>
    public static double Multiply(double a, double b)
    {
        // The CPU accelerator runs the kernel as .NET code, which has no PTX to emit and never fuses.
        if (!CudaAsm.IsSupported) return a * b;
        CudaAsm.Emit("mul.rn.f64 %0, %1, %2;", out double product, a, b);
        return product;
    }
}
