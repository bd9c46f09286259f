PACKAGE='x'
def entries():
    raise ImportError('not written yet')
