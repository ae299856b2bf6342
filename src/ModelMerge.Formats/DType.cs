namespace ModelMerge.Formats;

/// <summary>Element types a safetensors file can declare.</summary>
public enum DType
{
    Bool, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64,
}

public static class DTypeInfo
{
    public static int SizeOf(this DType dtype) => dtype switch
    {
        DType.Bool or DType.U8 or DType.I8 or DType.F8_E5M2 or DType.F8_E4M3 => 1,
        DType.I16 or DType.U16 or DType.F16 or DType.BF16 => 2,
        DType.I32 or DType.U32 or DType.F32 => 4,
        DType.F64 or DType.I64 or DType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>
    /// The types merge methods compute on: every floating-point type, widened to float32 as it is
    /// read (exactly, but for F64). Integer and boolean tensors are carried through unchanged.
    /// </summary>
    public static bool IsMergeable(this DType dtype) => dtype is DType.F32 or DType.F16 or DType.BF16 or DType.F64 or DType.F8_E4M3 or DType.F8_E5M2;

    /// <summary>The spelling safetensors headers use ("BF16", "F8_E4M3", "BOOL").</summary>
    public static string ToHeaderName(this DType dtype) => dtype == DType.Bool ? "BOOL" : dtype.ToString();

    public static bool TryParseHeaderName(string name, out DType dtype)
    {
        foreach (var candidate in Enum.GetValues<DType>())
        {
            if (candidate.ToHeaderName() == name)
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>The name config.json uses for torch_dtype.</summary>
    public static string ToTorchName(this DType dtype) => dtype switch
    {
        DType.BF16 => "bfloat16",
        DType.F16 => "float16",
        DType.F32 => "float32",
        DType.F64 => "float64",
        DType.F8_E4M3 => "float8_e4m3fn",
        DType.F8_E5M2 => "float8_e5m2",
        _ => dtype.ToHeaderName().ToLowerInvariant(),
    };

    /// <summary>Accepts the names users and recipes write: bf16, bfloat16, torch.float16, F32, ...</summary>
    public static bool TryParseUserName(string name, out DType dtype)
    {
        var key = name.Trim().ToLowerInvariant();
        if (key.StartsWith("torch.", StringComparison.Ordinal)) key = key["torch.".Length..];
        switch (key)
        {
            case "bf16": case "bfloat16": dtype = DType.BF16; return true;
            case "f16": case "fp16": case "float16": case "half": dtype = DType.F16; return true;
            case "f32": case "fp32": case "float32": case "float": dtype = DType.F32; return true;
            default: dtype = default; return false;
        }
    }
}
