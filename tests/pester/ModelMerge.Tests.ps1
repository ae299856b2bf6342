#Requires -Modules Pester
# Runs the module the way a user does: real pwsh, formatting, help and Utility cmdlets.
# Build first: ./build.ps1 (it publishes the module and the test-data generator into ./out).

BeforeAll {
    $out = Join-Path $PSScriptRoot '../../out'
    Import-Module (Join-Path $out 'ModelMerge/ModelMerge.psd1') -Force
    Add-Type -Path (Join-Path $out 'TestData/ModelMerge.TestData.dll')

    $root = Join-Path ([IO.Path]::GetTempPath()) ("mm-pester-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $root | Out-Null
    $shape = [ModelMerge.TestData.LlamaShape]::Tiny
    foreach ($model in @(@{ Name = 'base'; FineTune = $null }, @{ Name = 'ft1'; FineTune = 1 }, @{ Name = 'ft2'; FineTune = 2 })) {
        $spec = [ModelMerge.TestData.GeneratedModel]::new($shape, 'BF16', 1, $model.FineTune, 0.1, 5000000000, $false)
        [ModelMerge.TestData.LlamaCheckpointGenerator]::Write((Join-Path $root $model.Name), $spec) | Out-Null
    }
    Push-Location $root
}

AfterAll {
    Pop-Location
    Remove-Item $root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'ModelMerge in pwsh' {
    It 'exports every cmdlet the manifest lists' {
        $names = (Get-Command -Module ModelMerge).Name
        $names | Should -Contain 'Get-Checkpoint'
        $names | Should -Contain 'Export-Checkpoint'
        $names | Should -Contain 'Invoke-TiesMerge'
        $names | Should -Contain 'Invoke-DareDrop'
    }

    It 'keeps its dependencies in a load context of its own' {
        $contextOf = { param($assembly) [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name }
        & $contextOf (Get-Checkpoint ./base).GetType().Assembly | Should -Be 'ModelMerge'
        $tensors = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'System.Numerics.Tensors' }
        $tensors | ForEach-Object { & $contextOf $_ } | Should -Not -Contain 'Default'
    }

    It 'loads ILGPU into its own context and says which device computes' {
        $log = Get-Checkpoint ./base | Get-TaskVector ./ft1, ./ft2 | Invoke-TiesMerge | Export-Checkpoint ./on-device -Verbose 4>&1
        $device = $log | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Computing on *' }
        $device | Should -Not -BeNullOrEmpty
        $ilgpu = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'ILGPU' }
        $ilgpu | Should -Not -BeNullOrEmpty
        $ilgpu | ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name } | Should -Not -Contain 'Default'
        { Get-Checkpoint ./base | Export-Checkpoint ./cpu-copy -Device Cpu -DType F32 } | Should -Not -Throw
    }

    It 'runs the card pipeline and writes a loadable folder' {
        Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge -Density 0.2 | Export-Checkpoint ./merged
        './merged/model.safetensors' | Should -Exist
        './merged/config.json' | Should -Exist
        (Get-Content ./merged/config.json -Raw | ConvertFrom-Json).hidden_size | Should -Be 64
        $merged = Get-Checkpoint ./merged
        $merged.TensorCount | Should -Be (Get-Checkpoint ./base).TensorCount
    }

    It 'completes merge method names and runs a layer-stacked slerp chain' {
        $completion = TabExpansion2 -inputScript 'Invoke-Merge -Method sl' -cursorColumn 'Invoke-Merge -Method sl'.Length
        $completion.CompletionMatches.CompletionText | Should -Contain 'slerp'

        $t = [ordered]@{ self_attn = 0, 1; default = 0.5 }
        $slerp = Get-Checkpoint ./ft2 | Invoke-Merge slerp -Base ./ft1 -T $t
        @(New-LayerSlice $slerp 0,2; New-LayerSlice ./base 1,2) | Join-LayerSlice | Export-Checkpoint ./stacked
        (Get-Content ./stacked/config.json -Raw | ConvertFrom-Json).num_hidden_layers | Should -Be 3
        (Get-Checkpoint ./stacked).Tensors.Name | Should -Contain 'model.layers.2.mlp.up_proj.weight'
    }

    It 'runs a mergekit recipe read with Get-Content and keeps it beside the weights' {
        $recipe = @"
merge_method: ties
base_model: ./base
models:
  - model: ./ft1
    parameters: { density: [0.7, 0.3], weight: 1.0 }
  - model: ./ft2
    parameters:
      density: 0.5
      weight:
        - filter: mlp
          value: 0.8
        - value: 0.3
out_dtype: float16
"@
        Set-Content ./recipe.yml $recipe
        Get-Content ./recipe.yml -Raw | Invoke-MergeRecipe | Export-Checkpoint ./from-recipe
        (Get-Content ./from-recipe/mergekit_config.yml -Raw).Trim() | Should -Be $recipe.Trim()
        (Get-Checkpoint ./from-recipe).DTypes | Should -Contain 'F16'
        (Get-Content ./from-recipe/README.md -Raw) | Should -Match 'mergekit'
    }

    It 'runs DARE-TIES as a composition' {
        Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-DareDrop -Density 0.5 -Seed 7 | Invoke-TiesMerge -Density 1 | Export-Checkpoint ./dare
        (Get-FileHash ./dare/model.safetensors).Hash | Should -Not -Be (Get-FileHash ./merged/model.safetensors).Hash
        Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-DareDrop -Density 0.5 -Seed 7 | Invoke-TiesMerge -Density 1 | Export-Checkpoint ./dare-again
        (Get-FileHash ./dare-again/model.safetensors).Hash | Should -Be (Get-FileHash ./dare/model.safetensors).Hash
    }

    It 'prints a checkpoint as a table with its size and dtypes' {
        $text = Get-Checkpoint ./base | Out-String
        $text | Should -Match 'Tensors'
        $text | Should -Match 'BF16'
        $text | Should -Match 'MB'
        $planned = Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge | Out-String
        $planned | Should -Match 'planned'
    }

    It 'writes nothing under -WhatIf' {
        Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge | Export-Checkpoint ./whatif -WhatIf
        './whatif' | Should -Not -Exist
    }

    It 'says under -Force -WhatIf which checkpoint and which files it would delete' {
        Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge | Export-Checkpoint ./replace-whatif
        $before = Get-ChildItem ./replace-whatif | ForEach-Object { "$($_.Name) $($_.Length)" }
        # What if: goes to the host alone; a transcript is how a script sees it.
        $log = Join-Path $root 'whatif-transcript.txt'
        Start-Transcript -Path $log | Out-Null
        Get-Checkpoint ./base | Get-TaskVector ./ft2 | Invoke-TiesMerge | Export-Checkpoint ./replace-whatif -Force -WhatIf
        Stop-Transcript | Out-Null
        $files = @(Get-ChildItem ./replace-whatif).Count
        (Get-Content $log -Raw) -replace '\s*\r?\n\s*', ' ' |
            Should -Match ([regex]::Escape("replacing the existing checkpoint '$(Join-Path $root 'replace-whatif')' ($files files: model.safetensors, config.json"))
        Get-ChildItem ./replace-whatif | ForEach-Object { "$($_.Name) $($_.Length)" } | Should -Be $before
    }

    It 'reports a missing model with a stable error id' {
        { Get-Checkpoint ./missing -ErrorAction Stop } | Should -Throw -ErrorId 'CheckpointNotFound,ModelMerge.Commands.GetCheckpointCommand'
    }

    It 'refuses to overwrite without -Force' {
        { Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge | Export-Checkpoint ./merged -ErrorAction Stop } |
            Should -Throw -ErrorId 'OutputExists,ModelMerge.Commands.ExportCheckpointCommand'
    }

    It 'runs the example runbooks' {
        foreach ($example in Get-ChildItem (Join-Path $PSScriptRoot '../../examples') -Filter *.ps1) {
            $output = Join-Path $root ('example-' + $example.BaseName)
            $result = & $example.FullName -Base ./base -FineTuned ./ft1,./ft2 -Output $output
            $result.Path | Should -Be $output
            Join-Path $output 'model.safetensors' | Should -Exist
        }
    }

    It 'has full help for every cmdlet' {
        foreach ($command in Get-Command -Module ModelMerge) {
            $help = Get-Help $command.Name -Full
            $help.Synopsis | Should -Not -Match '^\s*$'
            $help.Synopsis | Should -Not -Match ([regex]::Escape($command.Name) + ' \[')
            $help.examples.example.Count | Should -BeGreaterThan 0
        }
    }
}
