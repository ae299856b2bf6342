using System.Reflection;
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ModelMerge.Compute.Gpu;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// The simulator never fuses, so it cannot show whether a CUDA device would: these tests read the
/// PTX that ILGPU writes for the kernels (no GPU needed to generate it). PTX lets ptxas contract a
/// multiply written without a rounding modifier (<c>mul.f64</c>) and the add after it into one
/// fused multiply-add, which rounds once where the CPU rounds twice.
/// </summary>
public class FusedMultiplyAddTests
{
    [Theory]
    [InlineData(typeof(WeightedSumKernels), nameof(WeightedSumKernels.WeightedSum))]
    [InlineData(typeof(WeightedSumKernels), nameof(WeightedSumKernels.LinearCombination))]
    [InlineData(typeof(ReductionKernels), nameof(ReductionKernels.DotLanes))]
    [InlineData(typeof(NearSwapKernels), nameof(NearSwapKernels.Blend))]
    [InlineData(typeof(WeightedSumKernels), nameof(WeightedSumKernels.WeightedSumRows))]
    [InlineData(typeof(ReductionKernels), nameof(ReductionKernels.RowSegmentDotLanes))]
    [InlineData(typeof(SceKernels), nameof(SceKernels.Variance))]
    [InlineData(typeof(SceKernels), nameof(SceKernels.Erase))]
    [InlineData(typeof(RamKernels), nameof(RamKernels.Combine))]
    [InlineData(typeof(ReductionKernels), nameof(ReductionKernels.ColumnDots))]
    public void Combine_kernels_multiply_only_with_rounded_products_that_ptxas_cannot_fuse(Type kernels, string name)
    {
        string ptx = Ptx(kernels.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!);

        var live = LiveCode(ptx);
        Assert.Contains("mul.rn.f64", live);
        Assert.DoesNotMatch(new Regex(@"\b(mul\.f64|fma\.\w+\.f64|mad\.\w*\.?f64)\b"), live);
    }

    [Fact]
    public void A_plain_float64_product_is_written_without_a_rounding_modifier_so_ptxas_may_fuse_it()
    {
        // The reason for Float64.Multiply: ILGPU's own multiply is the contractible form.
        string ptx = Ptx(typeof(FusedMultiplyAddTests).GetMethod(nameof(PlainProductThenSum), BindingFlags.NonPublic | BindingFlags.Static)!);

        Assert.Matches(new Regex(@"\bmul\.f64\b"), ptx);
    }

    /// <summary>
    /// The PTX without the blocks ILGPU leaves behind a branch on a constant: <c>CudaAsm.IsSupported</c>
    /// becomes <c>setp.eq.s32 %p, 1, 1</c> at code generation, after the IR optimizations, so the
    /// simulator's plain product stays in the text as a block that is never entered (ptxas drops it).
    /// </summary>
    private static string LiveCode(string ptx)
    {
        var constant = new HashSet<string>();
        foreach (Match m in Regex.Matches(ptx, @"setp\.eq\.s32\s+(%p\d+),\s*1,\s*1;"))
        {
            string predicate = m.Groups[1].Value;
            // Set to nothing else after it: ILGPU reuses the register of the bounds test, which runs before the first block.
            int firstBlock = Regex.Match(ptx, @"(?m)^\s*L_\d+:").Index;
            Assert.All(Regex.Matches(ptx, $@"setp\.\w+\.\w+\s+{predicate},"), set => Assert.True(set.Index == m.Index || set.Index < firstBlock));
            constant.Add(predicate);
        }
        var dead = new HashSet<string>();
        foreach (Match m in Regex.Matches(ptx, @"@(%p\d+) bra\s+L_\d+;\s*bra\.uni\s+(L_\d+);"))
            if (constant.Contains(m.Groups[1].Value)) dead.Add(m.Groups[2].Value);
        var blocks = Regex.Split(ptx, @"(?m)^\s*(?=L_\d+:)");
        foreach (var label in dead)
            Assert.Single(Regex.Matches(ptx, $@"\b{label}\b(?!:)"));   // reached from the constant branch only
        return string.Join("\n", blocks.Where(b => !dead.Contains(Regex.Match(b, @"^L_\d+").Value)));
    }

    private static void PlainProductThenSum(Index1D i, ArrayView<double> a, ArrayView<double> b, double c) => a[i] = a[i] * b[i] + c;

    private static string Ptx(MethodInfo kernel)
    {
        using var context = Context.Create(builder => builder.Cuda());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null);
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(kernel);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, new KernelSpecialization());
        return compiled.PTXAssembly;
    }
}
