using ILGPU.Runtime.Cuda;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// float64 multiply and add, each rounded on its own as the CPU rounds them. ILGPU writes plain
/// <c>mul.f64</c>/<c>add.f64</c>, which ptxas may contract into one fused multiply-add with a
/// single rounding, so a product feeding a sum would differ from the CPU in the last bit. PTX
/// never contracts an instruction carrying an explicit rounding mode, hence <c>.rn</c> here.
/// ILGPU's CPU simulator runs the plain C# branch, which .NET never contracts.
/// </summary>
internal static class Float64
{
    public static double Multiply(double a, double b)
    {
        if (!CudaAsm.IsSupported) return a * b;
        CudaAsm.Emit("mul.rn.f64 %0, %1, %2;", out double product, a, b);
        return product;
    }

    public static double Add(double a, double b)
    {
        if (!CudaAsm.IsSupported) return a + b;
        CudaAsm.Emit("add.rn.f64 %0, %1, %2;", out double sum, a, b);
        return sum;
    }
}
