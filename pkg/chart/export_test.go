package chart

func RendererForTest() Renderer { return registered() }
